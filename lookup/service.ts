// The lookup agents depend on: email (or phone, lookup/phone.ts) -> VIP answer. The Temporal
// activity, the CLI, the HTTP API and MCP all call one LookupService, so every surface answers the
// same and every lookup is audited.
//
// Cache strategy: a read-through, per-email cache of answers in the process, invalidated by
// Postgres LISTEN/NOTIFY (see change-feed.ts). Any committed write to vips or crm_contacts (a
// sync, an import, an edit) clears it before the next lookup; a load that raced with such a write
// is not cached (generation check); while the listening connection is down the cache is bypassed.
// Contact notes (vip_contact_notes, lookup/notes.ts) are part of the answer and invalidate it too.
import { DEFAULT_HANDLING, type LookupConfig } from './config.js';
import { groupHandling, IN_GROUPS_COLUMN, loadGroups } from './groups.js';
import type { EmailLookupResult, VipLookupResult, VipOwner } from '../workflows/contract.js';
import type { VipGroupMembership } from './answer.js';
import type { Actor, AuditSink } from '../db/audit-log.js';
import type { ChangeFeed } from '../db/change-feed.js';
import { plainQuery, type Db } from '../db/client.js';
import { normalizeEmail, type EmailCheck } from '../vip/email.js';
import { contactNotesFrom, DEFAULT_CONTACT_NOTES_IN_ANSWER, withLatestContactNotes } from './notes.js';
import { asOfFor, FRESHNESS_COLUMNS, type FreshnessRow } from './freshness.js';
import { InvalidPhoneError, type LookupQuery } from './query.js';

// Lookup by phone and its phone library load on the first lookup by phone: `vipsync lookup EMAIL`,
// a process of its own, never pays for them.
let phoneLookup: Promise<typeof import('./phone.js')> | undefined;
const loadPhoneLookup = () => (phoneLookup ??= import('./phone.js'));

export class InvalidEmailError extends Error {
  override name = 'InvalidEmail';
}

const DEFAULT_LOOKUP_CONFIG: LookupConfig = { handling: DEFAULT_HANDLING, owners: {} };

/** What the lookup reads of a person: the answer's own fields, and the owner's name kept on the row. */
type VipRow = Pick<VipLookupResult, 'level' | 'levelReason' | 'name' | 'company' | 'notes' | 'validated' | 'stale' | 'staleReason'> & {
  email: string;
  ownerName: string | null;
  inGroups: boolean;
  /** The latest contact notes as JSON (lookup/notes.ts). */
  contactNotes?: unknown;
} & FreshnessRow;
interface OwnerRow {
  ownerId: string | null;
  connectionId: string;
}

function ownerFor(row: OwnerRow | null, config: LookupConfig, fallbackName: string | null): VipOwner | null {
  if (!row?.ownerId) return null;
  const entry = config.owners[`${row.connectionId}:${row.ownerId}`] ?? config.owners[row.ownerId];
  return { id: row.ownerId, connectionId: row.connectionId, name: entry?.name ?? fallbackName, email: entry?.email ?? null };
}

function toLookupResult(vip: VipRow, groups: VipGroupMembership[], owner: OwnerRow | null, config: LookupConfig): EmailLookupResult {
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
    ...groupHandling(level === null ? null : { level, handling: config.handling[level] }, groups),
    contactNotes: contactNotesFrom(vip.contactNotes),
    phone: null,
    ambiguous: false,
    candidates: [],
    asOf: asOfFor(vip),
    sources: vip.sources,
  };
}

function unknownSender(email: string): EmailLookupResult {
  return {
    email, isVip: false, level: null, levelReason: null, name: null, company: null, notes: null, validated: false, stale: false, staleReason: null,
    owner: null, handling: null, groups: [], handlingReason: null, phone: null, ambiguous: false, candidates: [], asOf: null, sources: [],
    contactNotes: [],
  };
}

// One statement, on the pool directly: the person, and the owner of the CRM record the level comes
// from (the same order the derivation uses).
const LOOKUP_SQL = `
SELECT v.email, v.level, v.level_reason AS "levelReason", v.name, v.company, v.notes, v.validated, v.stale,
       v.stale_reason AS "staleReason", v.owner_name AS "ownerName", o.owner_id AS "ownerId", o.connection_id AS "connectionId",
       ${FRESHNESS_COLUMNS},
       ${IN_GROUPS_COLUMN}
FROM vips v
LEFT JOIN LATERAL (
  SELECT c.owner_id, c.connection_id FROM crm_contacts c
  WHERE c.email_normalized = v.email AND c.deleted_at IS NULL AND c.owner_id IS NOT NULL
  ORDER BY c.crm_vip_level DESC NULLS LAST, c.crm_modified_at DESC NULLS LAST, c.id ASC
  LIMIT 1
) o ON true
WHERE v.email = $1`;

/** Reads the answer from the database (no cache, no audit). Throws InvalidEmailError. */
export async function lookupVipByEmail(db: Db, rawEmail: string, config: LookupConfig = DEFAULT_LOOKUP_CONFIG): Promise<EmailLookupResult> {
  const check = normalizeEmail(rawEmail);
  if (!check.ok) throw new InvalidEmailError(`cannot look up: ${check.reason}`);
  const sql = withLatestContactNotes(LOOKUP_SQL, config.contactNotesLimit ?? DEFAULT_CONTACT_NOTES_IN_ANSWER);
  const [row] = await plainQuery<VipRow & OwnerRow>(db, sql, [check.email]);
  const groups = row?.inGroups ? await loadGroups(db, check.email) : [];
  return row ? toLookupResult(row, groups, row.ownerId ? row : null, config) : unknownSender(check.email);
}

/** The per-email answer cache; see the strategy at the top of this file. */
export class LookupCache {
  private readonly entries = new Map<string, VipLookupResult>();
  private readonly loading = new Map<string, { generation: number; answer: Promise<VipLookupResult> }>();
  private generation = 0;

  constructor(private readonly feed: ChangeFeed, private readonly maxEntries = 100_000) {
    // sync_runs: a finished sync moves the answers' asOf (lookup/freshness.ts).
    feed.subscribe(['vips', 'crm_contacts', 'vip_contact_notes', 'sync_runs', 'vip_groups', 'vip_group_members'], () => this.invalidate());
  }

  invalidate(): void {
    this.generation += 1;
    this.entries.clear();
    this.loading.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  async getOrLoad(email: string, load: (email: string) => Promise<VipLookupResult>): Promise<VipLookupResult> {
    if (!this.feed.healthy) return load(email);
    const hit = this.entries.get(email);
    if (hit) return hit;
    // Concurrent misses for one email (a hot sender right after a sync cleared the cache) share
    // one database read, as long as no write has been notified since it started.
    const generation = this.generation;
    const pending = this.loading.get(email);
    if (pending && pending.generation === generation) return pending.answer;
    const answer = load(email);
    this.loading.set(email, { generation, answer });
    try {
      const loaded = await answer;
      if (generation === this.generation && this.feed.healthy) {
        if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
        this.entries.set(email, loaded);
      }
      return loaded;
    } finally {
      if (this.loading.get(email)?.answer === answer) this.loading.delete(email);
    }
  }
}

export interface LookupService {
  /** Answers for one email and records the lookup in the audit log. Throws InvalidEmailError. */
  lookup(rawEmail: string, actor: Actor): Promise<EmailLookupResult>;
  /** Answers for one phone (ambiguous when several people hold it), audited with the phone as subject. Throws InvalidPhoneError. */
  lookupByPhone(rawPhone: string, actor: Actor): Promise<VipLookupResult>;
  /** `lookup` or `lookupByPhone`, whichever the query names. */
  lookupBy(query: LookupQuery, actor: Actor): Promise<VipLookupResult>;
  /**
   * Forgets cached answers. The change feed does this for every write, but its notification can
   * arrive after this process's next request; writes made in this process call it themselves.
   */
  invalidate(): void;
}

export function createLookupService(deps: {
  db: Db; audit: AuditSink; config?: LookupConfig; cache?: LookupCache;
  /** How phones without a +prefix are read (default VIPSYNC_DEFAULT_COUNTRY, else US). */
  defaultCountry?: string;
}): LookupService {
  const config = deps.config ?? DEFAULT_LOOKUP_CONFIG;
  // Agents ask about the same senders again and again: remember what each valid input normalises to.
  const normalized = new Map<string, string>();
  const normalize = (raw: string): EmailCheck => {
    const known = normalized.get(raw);
    if (known !== undefined) return { ok: true, email: known };
    const check = normalizeEmail(raw);
    if (check.ok) {
      if (normalized.size >= 100_000) normalized.clear();
      normalized.set(raw, check.email);
    }
    return check;
  };
  const load = (email: string) => lookupVipByEmail(deps.db, email, config);
  // One cache for both: an E.164 key ("+1...") never holds an "@", an email key always does.
  const loadPhone = async (e164: string) => (await loadPhoneLookup()).lookupVipByPhoneNumber(deps.db, e164, load);
  const service: LookupService = {
    async lookup(rawEmail, actor) {
      const check = typeof rawEmail === 'string' ? normalize(rawEmail) : normalizeEmail(rawEmail);
      if (!check.ok) {
        deps.audit.record({ actor, action: 'lookup', subject: String(rawEmail).slice(0, 320), details: { error: check.reason } });
        throw new InvalidEmailError(`cannot look up: ${check.reason}`);
      }
      // An email's cached answer is an email answer (its key holds an "@", a phone's never does).
      const answer = (deps.cache ? await deps.cache.getOrLoad(check.email, load) : await load(check.email)) as EmailLookupResult;
      deps.audit.record({ actor, action: 'lookup', subject: answer.email, details: { isVip: answer.isVip, level: answer.level } });
      // Callers may strip fields (notes); never let them touch the cached object.
      return { ...answer };
    },
    async lookupByPhone(rawPhone, actor) {
      const phone = await loadPhoneLookup();
      const check = phone.normalizeLookupPhone(rawPhone, deps.defaultCountry ?? phone.lookupPhoneCountry());
      if (!check.ok) {
        deps.audit.record({ actor, action: 'lookup', subject: String(rawPhone).slice(0, 64), details: { by: 'phone', error: check.reason } });
        throw new InvalidPhoneError(`cannot look up: ${check.reason}`);
      }
      const answer = deps.cache ? await deps.cache.getOrLoad(check.e164, loadPhone) : await loadPhone(check.e164);
      deps.audit.record({
        actor, action: 'lookup', subject: check.e164,
        details: { by: 'phone', email: answer.email, isVip: answer.isVip, level: answer.level, ambiguous: answer.ambiguous, candidates: answer.candidates.map((c) => c.email) },
      });
      return { ...answer };
    },
    lookupBy(query, actor) {
      return 'phone' in query ? service.lookupByPhone(query.phone, actor) : service.lookup(query.email, actor);
    },
    invalidate() {
      deps.cache?.invalidate();
    },
  };
  return service;
}
