// A HubSpot Professional private app's limits: 190 calls per rolling 10 s, search limited
// separately per second, and 650,000 calls a day (search included; the day ends at midnight UTC
// here, in the account's time zone at HubSpot). The SDK's retry logic keys off the exact
// policyName / message below.
//
// Recorded real 429s often carry neither a Retry-After header nor a policyName
// (/work/shared/crm-apis/hubspot.md, "Behaviours a sync must survive"), so the ten-secondly and
// secondly answers leave both out unless asked for them (`answerDetail`). The daily answer keeps
// its policyName: it is how a client tells that waiting seconds cannot help.
import { RollingWindowLimiter } from '../http/rolling-window.js';
import { hubSpotError } from './errors.js';

export interface HubSpotRateLimits {
  /** Data calls per rolling ten seconds (default 190). */
  perTenSeconds?: number;
  /** Search calls per rolling second (default 5). */
  searchPerSecond?: number;
  /** Calls per day, search included (default 650,000). */
  perDay?: number;
}

const DAY_MS = 24 * 3600_000;

/** The calls of the current day (UTC), and the day's limit. */
class DailyCounter {
  private day = -1;
  private used = 0;

  constructor(readonly limit: number) {}

  /** Counts a call if the day has room; false when the day's calls are used up. */
  tryAcquire(): boolean {
    const today = Math.floor(Date.now() / DAY_MS);
    if (today !== this.day) {
      this.day = today;
      this.used = 0;
    }
    if (this.used >= this.limit) return false;
    this.used += 1;
    return true;
  }

  get remaining(): number {
    return Math.max(0, this.limit - this.used);
  }
}

function dailyLimitBody(): Record<string, unknown> {
  return hubSpotError('RATE_LIMITS', 'You have reached your daily limit.', { errorType: 'RATE_LIMIT', policyName: 'DAILY' });
}

const TEN_SECONDS_MS = 10_000;

export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
  body?: Record<string, unknown>;
}

export class HubSpotRateLimiter {
  private readonly data: RollingWindowLimiter | undefined;
  private readonly search: RollingWindowLimiter | undefined;
  private readonly daily: DailyCounter | undefined;

  constructor(limits: HubSpotRateLimits | false | undefined) {
    if (limits === false) return;
    this.data = new RollingWindowLimiter(limits?.perTenSeconds ?? 190, TEN_SECONDS_MS);
    this.search = new RollingWindowLimiter(limits?.searchPerSecond ?? 5, 1000);
    this.daily = new DailyCounter(limits?.perDay ?? 650_000);
  }

  private dailyHeaders(): Record<string, string> {
    return this.daily
      ? { 'x-hubspot-ratelimit-daily': String(this.daily.limit), 'x-hubspot-ratelimit-daily-remaining': String(this.daily.remaining) }
      : {};
  }

  /** Search responses carry no X-HubSpot-RateLimit-* headers, like the real API. */
  admitSearch({ answerDetail }: { answerDetail: boolean }): RateDecision {
    if (!this.search) return { allowed: true, headers: {} };
    const decision = this.search.tryAcquire();
    if (decision.allowed && !this.daily!.tryAcquire()) return { allowed: false, headers: {}, body: dailyLimitBody() };
    if (decision.allowed) return { allowed: true, headers: {} };
    return {
      allowed: false,
      headers: answerDetail ? { 'retry-after': String(Math.ceil(decision.retryAfterMs / 1000)) } : {},
      body: hubSpotError('RATE_LIMITS', 'You have reached your secondly limit.', {
        errorType: 'RATE_LIMIT',
        ...(answerDetail ? { policyName: 'SECONDLY' } : {}),
      }),
    };
  }

  admitData({ answerDetail }: { answerDetail: boolean }): RateDecision {
    if (!this.data) return { allowed: true, headers: {} };
    const decision = this.data.tryAcquire();
    const headers: Record<string, string> = {
      'x-hubspot-ratelimit-max': String(this.data.limit),
      'x-hubspot-ratelimit-remaining': String(decision.remaining),
      'x-hubspot-ratelimit-interval-milliseconds': String(TEN_SECONDS_MS),
    };
    if (decision.allowed && !this.daily!.tryAcquire()) return { allowed: false, headers: { ...headers, ...this.dailyHeaders() }, body: dailyLimitBody() };
    Object.assign(headers, this.dailyHeaders());
    if (decision.allowed) return { allowed: true, headers };
    if (answerDetail) headers['retry-after'] = String(Math.ceil(decision.retryAfterMs / 1000));
    return { allowed: false, headers, body: tenSecondlyLimitBody({ answerDetail }) };
  }
}

export function tenSecondlyLimitBody({ answerDetail }: { answerDetail: boolean }): Record<string, unknown> {
  return hubSpotError('RATE_LIMITS', 'You have reached your ten_secondly_rolling limit.', {
    errorType: 'RATE_LIMIT',
    ...(answerDetail ? { policyName: 'TEN_SECONDLY_ROLLING' } : {}),
  });
}
