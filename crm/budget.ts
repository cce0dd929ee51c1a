// A share of a CRM's daily API limit that vipsync keeps to. The CRMs say in their answers how much
// of the day's calls the account has used, every integration together (Salesforce's
// Sforce-Limit-Info, HubSpot's X-HubSpot-RateLimit-Daily and -Daily-Remaining). Past the share no
// call is made, so the account's last calls are left to its other users; once a recheck interval
// has passed, one call is let through to read the usage again.
import { CrmUnavailableError } from './errors.js';

/** While usage is over the budget, one call this often reads it again. */
export const API_BUDGET_RECHECK_MS = 10 * 60_000;

export class ApiBudget {
  private usage: { used: number; limit: number } | null = null;
  private overSince: number | null = null;

  constructor(
    private readonly connectionId: string,
    /** How the error names the account: "Salesforce org", "HubSpot account". */
    private readonly account: string,
    private readonly maxUsagePercent: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** What the CRM said the account has used of its daily limit. Values that are not counts are ignored. */
  observe(used: number | undefined, limit: number | undefined): void {
    if (used === undefined || limit === undefined || !Number.isInteger(used) || !Number.isInteger(limit) || used < 0 || limit <= 0) return;
    this.usage = { used, limit };
  }

  /**
   * The CRM refused a call for the day (an answer that may carry no usage figures, like HubSpot's
   * search): the whole day's limit counts as used until an answer says otherwise.
   */
  usedUp(): void {
    if (this.usage) this.usage = { used: this.usage.limit, limit: this.usage.limit };
  }

  /** Throws (retryable) instead of letting a call go when the account is over the budget. */
  check(): void {
    const usage = this.usage;
    if (!usage || usage.used < (usage.limit * this.maxUsagePercent) / 100) {
      this.overSince = null;
      return;
    }
    const now = this.now();
    if (this.overSince !== null && now - this.overSince >= API_BUDGET_RECHECK_MS) {
      this.overSince = now;
      return;
    }
    this.overSince ??= now;
    throw new CrmUnavailableError(
      this.connectionId,
      `the ${this.account} has used ${usage.used.toLocaleString('en-US')} of its ${usage.limit.toLocaleString('en-US')} daily API calls, `
        + `at or over the ${this.maxUsagePercent}% vipsync may use (maxApiUsagePercent on the connection): no call made; `
        + `the sync goes on once usage falls (checked again every ${API_BUDGET_RECHECK_MS / 60_000} minutes)`,
    );
  }
}
