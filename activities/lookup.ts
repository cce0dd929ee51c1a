// The lookup agents depend on: email -> VIP answer. The Temporal activity, the CLI, the HTTP API and
// MCP all call one LookupService, so every surface answers the same and every lookup is audited.
//
// Cache strategy: a read-through, per-email cache of answers in the process, invalidated by
// Postgres LISTEN/NOTIFY (see change-feed.ts). Any committed write to vips or crm_contacts (a
// sync, an import, an edit) clears it before the next lookup; a load that raced with such a write
// is not cached (generation check); while the listening connection is down the cache is bypassed.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { DEFAULT_HANDLING, type LookupConfig } from '../worker/config.js';
import type { VipLookupResult, VipOwner } from '../workflows/contract.js';
import type { Actor, AuditSink } from './admin/audit.js';
import type { ChangeFeed } from './change-feed.js';
import type { Db } from './db.js';
import { normalizeEmail } from './vip/email.js';

export class InvalidEmailError extends Error {
  override name = 'InvalidEmail';
}

const DEFAULT_LOOKUP_CONFIG: LookupConfig = { handling: DEFAULT_HANDLING, owners: {} };

type VipRow = NonNullable<Awaited<ReturnType<Db['vip']['findUnique']>>>;
interface OwnerRow {
  ownerId: string | null;
  connectionId: string;
}

function ownerFor(row: OwnerRow | null, config: LookupConfig, fallbackName: string | null): VipOwner | null {
  if (!row?.ownerId) return null;
  const entry = config.owners[`${row.connectionId}:${row.ownerId}`] ?? config.owners[row.ownerId];
  return { id: row.ownerId, connectionId: row.connectionId, name: entry?.name ?? fallbackName, email: entry?.email ?? null };
}

function toLookupResult(vip: VipRow, owner: OwnerRow | null, config: LookupConfig): VipLookupResult {
  const level = vip.level as 1 | 2 | 3 | 4 | 5 | null;
  return {
    email: vip.email,
    isVip: level !== null,
    level,
    levelReason: vip.levelReason,
    name: vip.name,
    company: vip.company,
    notes: vip.notes,
    validated: vip.validated,
    stale: vip.stale,
    staleReason: vip.staleReason,
    owner: ownerFor(owner, config, vip.ownerName),
    handling: level === null ? null : { ...config.handling[level] },
  };
}

function unknownSender(email: string): VipLookupResult {
  return {
    email, isVip: false, level: null, levelReason: null, name: null, company: null, notes: null, validated: false, stale: false, staleReason: null,
    owner: null, handling: null,
  };
}

/** Reads the answer from the database (no cache, no audit). Throws InvalidEmailError. */
export async function lookupVipByEmail(db: Db, rawEmail: string, config: LookupConfig = DEFAULT_LOOKUP_CONFIG): Promise<VipLookupResult> {
  const check = normalizeEmail(rawEmail);
  if (!check.ok) throw new InvalidEmailError(`cannot look up: ${check.reason}`);
  const [vip, owner] = await Promise.all([
    db.vip.findUnique({ where: { email: check.email } }),
    // The owner of the record the level comes from: the same order the derivation uses.
    db.crmContact.findFirst({
      where: { emailNormalized: check.email, deletedAt: null, ownerId: { not: null } },
      orderBy: [{ crmVipLevel: { sort: 'desc', nulls: 'last' } }, { crmModifiedAt: { sort: 'desc', nulls: 'last' } }, { id: 'asc' }],
      select: { ownerId: true, connectionId: true },
    }),
  ]);
  return vip ? toLookupResult(vip, owner, config) : unknownSender(check.email);
}

/** The per-email answer cache; see the strategy at the top of this file. */
export class LookupCache {
  private readonly entries = new Map<string, VipLookupResult>();
  private generation = 0;

  constructor(private readonly feed: ChangeFeed, private readonly maxEntries = 100_000) {
    feed.subscribe(['vips', 'crm_contacts'], () => this.invalidate());
  }

  invalidate(): void {
    this.generation += 1;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  async getOrLoad(email: string, load: () => Promise<VipLookupResult>): Promise<VipLookupResult> {
    if (!this.feed.healthy) return load();
    const hit = this.entries.get(email);
    if (hit) return hit;
    const generation = this.generation;
    const answer = await load();
    if (generation === this.generation && this.feed.healthy) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(email, answer);
    }
    return answer;
  }
}

export interface LookupService {
  /** Answers for one email and records the lookup in the audit log. Throws InvalidEmailError. */
  lookup(rawEmail: string, actor: Actor): Promise<VipLookupResult>;
  /**
   * Forgets cached answers. The change feed does this for every write, but its notification can
   * arrive after this process's next request; writes made in this process call it themselves.
   */
  invalidate(): void;
}

export function createLookupService(deps: { db: Db; audit: AuditSink; config?: LookupConfig; cache?: LookupCache }): LookupService {
  const config = deps.config ?? DEFAULT_LOOKUP_CONFIG;
  return {
    async lookup(rawEmail, actor) {
      const check = normalizeEmail(rawEmail);
      if (!check.ok) {
        deps.audit.record({ actor, action: 'lookup', subject: String(rawEmail).slice(0, 320), details: { error: check.reason } });
        throw new InvalidEmailError(`cannot look up: ${check.reason}`);
      }
      const load = () => lookupVipByEmail(deps.db, check.email, config);
      const answer = deps.cache ? await deps.cache.getOrLoad(check.email, load) : await load();
      deps.audit.record({ actor, action: 'lookup', subject: answer.email, details: { isVip: answer.isVip, level: answer.level } });
      // Callers may strip fields (notes); never let them touch the cached object.
      return { ...answer };
    },
    invalidate() {
      deps.cache?.invalidate();
    },
  };
}

/** The caller of an activity, for the audit log: its workflow type and execution. */
function activityCaller(): Actor {
  const info = Context.current().info;
  return {
    name: info.workflowType ? `workflow:${info.workflowType}` : `activity:${info.activityType}`,
    surface: 'activity',
    workflowId: info.workflowExecution?.workflowId ?? null,
    runId: info.workflowExecution?.runId ?? null,
  };
}

export function createLookupActivities(deps: { lookup: LookupService }) {
  return {
    async lookupVip(email: string): Promise<VipLookupResult> {
      try {
        return await deps.lookup.lookup(email, activityCaller());
      } catch (error) {
        if (error instanceof InvalidEmailError) throw ApplicationFailure.nonRetryable(error.message, 'InvalidEmail');
        throw error;
      }
    },
  };
}

export type LookupActivities = ReturnType<typeof createLookupActivities>;
