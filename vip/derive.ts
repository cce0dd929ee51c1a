// Keeps the VIP list (one row per person) in step with the CRM records. After a sync only the
// people that sync touched are re-derived (plus stale people whose grace period ran out, and any
// of its people never derived); a new rules file derives everyone. People are processed in
// batches: one query loads a batch's CRM records, derivePerson (pure) decides, and one statement
// per table writes back only what changed, so the cost grows with the number of contacts, not
// with round trips. Which people a derivation covers: derive-people.ts; the statements that read
// and write a batch: derive-sql.ts.
import { bulkTransaction, withSessionLock, type Db, type Sql } from '../db/client.js';
import { giveWay } from '../runtime/give-way.js';
import type { LevelDistribution } from './distribution.js';
import { batchesOf, cursorBatches, EVERYONE, TOUCHED_BY_RUN } from './derive-people.js';
import { currentLevelDistribution, loadBatch, toExisting, toPreviousRef, toRecord, writeDecisions } from './derive-sql.js';
import { derivePerson } from './person.js';
import type { PersonDecision, PersonInput } from './person-types.js';
import { companyFactProperties, contactPropertiesRead } from './rules.js';
import type { VipSettings } from './settings.js';
import { bounceProperties } from './stale.js';
import { phoneProperties } from './phone-index.js';

export const DERIVE_BATCH_SIZE = 2000;
/**
 * People decided between two turns of the event loop (~2 ms at ~110 us a person): a walk running
 * beside a derivation waits up to that long for each answer (bench/README.md, "Give-way").
 */
const YIELD_EVERY = 20;
/** Batch transactions open at once: one deciding, one reading, one writing. */
const MAX_OPEN_BATCHES = 3;

export interface DeriveOptions {
  /** Derive the people this sync run touched (with connectionId); otherwise everyone. */
  syncRunId?: string;
  connectionId?: string;
  /** Everyone, whatever the sync touched. */
  full?: boolean;
  /** Exactly these people (normalised emails). */
  emails?: string[];
  /**
   * Leave out the level distribution (a count over every person): the push path derives a few
   * people at a time, many times a minute, and reads no warnings.
   */
  skipDistribution?: boolean;
  /** Who the level history names; default "sync-run:<id>" or "derive". */
  actor?: string;
  now?: Date;
  batchSize?: number;
}

export interface DeriveResult {
  full: boolean;
  /** People examined. */
  people: number;
  /** People whose row was created or changed. */
  changed: number;
  levelChanges: number;
  durationMs: number;
  /** Null with `skipDistribution`. */
  distribution: LevelDistribution | null;
}

const LOCK = 'vipsync:derive-vips';
const WHOLE_DERIVE_LOCK = 'vipsync:derive-vips:run';

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    let list = groups.get(k);
    if (!list) groups.set(k, (list = []));
    list.push(row);
  }
  return groups;
}

interface BatchContext {
  settings: VipSettings;
  now: Date;
  actor: string;
  /** The contact properties a decision reads (LOAD_RECORDS' $2). */
  contactProperties: string[];
  /** The company properties the rules read, every CRM's names. */
  companyProperties: string[];
  /** Called once the batch's rows have been read: it decides next. */
  loaded: () => void;
}

async function deriveBatch(sql: Sql, emails: string[], ctx: BatchContext): Promise<{ changed: number; levelChanges: number }> {
  const { settings, now, actor } = ctx;
  const { records, vips, refs } = await loadBatch(sql, emails, ctx.contactProperties, ctx.companyProperties);
  ctx.loaded();
  const recordsBy = groupBy(records, (r) => r.email);
  const vipsBy = new Map(vips.map((v) => [v.email, v]));
  const refsBy = groupBy(refs, (r) => r.email);

  const decisions: { email: string; decision: PersonDecision }[] = [];
  let sinceYield = 0;
  let sliceStart = performance.now();
  for (const email of emails) {
    // Deciding a batch takes a few hundred milliseconds of CPU: let the other work of this worker
    // (a sync's page requests, paced to the rate limit) go on in between, and give way to walks.
    if (++sinceYield === YIELD_EVERY) {
      sinceYield = 0;
      await giveWay(performance.now() - sliceStart);
      sliceStart = performance.now();
    }
    const personRecords = (recordsBy.get(email) ?? []).map(toRecord);
    const personRefs = refsBy.get(email) ?? [];
    const existing = vipsBy.get(email);
    if (personRecords.length === 0 && personRefs.length === 0 && !existing) continue;
    const held = new Set(personRecords.map((r) => `${r.connectionId}\u0000${r.crmId}`));
    const input: PersonInput = {
      email,
      records: personRecords,
      previousRefs: personRefs.map(toPreviousRef),
      movedAway: personRefs
        .filter((r) => !held.has(`${r.connection_id}\u0000${r.crm_id}`))
        .map((r) => ({
          connectionId: r.connection_id,
          system: r.system,
          crmId: r.crm_id,
          currentEmail: r.current_exists ? (r.current_email ?? '(no email)') : null,
        })),
      existing: existing ? toExisting(existing) : null,
    };
    decisions.push({ email, decision: derivePerson(input, { rules: settings.rules, defaultCountry: settings.defaultCountry, staleGraceDays: settings.staleGraceDays, now }) });
  }

  // Batches write one after another (see deriveVips).
  await sql.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK]);
  return writeDecisions(sql, decisions, actor);
}

export async function deriveVips(db: Db, settings: VipSettings, opts: DeriveOptions = {}): Promise<DeriveResult> {
  const started = Date.now();
  // One derivation at a time: two never work on the same people at once.
  return withSessionLock(db, WHOLE_DERIVE_LOCK, async (lockSql) => {
    const now = opts.now ?? new Date();
    const actor = opts.actor ?? (opts.syncRunId ? `sync-run:${opts.syncRunId}` : 'derive');
    const state = await db.vipDeriveState.findUnique({ where: { id: 1 } });
    const batchSize = opts.batchSize ?? DERIVE_BATCH_SIZE;
    // Everyone is derived again when the rules changed (or when asked). The very first derivation
    // is not full: each sync run's derivation covers the people that run touched, so two
    // connections' first syncs derive their own people once each, not everyone twice.
    const full = opts.emails === undefined
      && (opts.full === true || !opts.syncRunId || !opts.connectionId || (state !== null && state.rulesHash !== settings.rules.hash));
    const batchesOfPeople = opts.emails !== undefined
      ? batchesOf([...new Set(opts.emails)].sort(), batchSize)
      : full
        ? cursorBatches(lockSql, EVERYONE, [], batchSize)
        : cursorBatches(lockSql, TOUCHED_BY_RUN, [opts.syncRunId, opts.connectionId, settings.staleGraceDays], batchSize);
    let people = 0;

    // Batches overlap: while one is decided (this process busy), the next one's rows are read and
    // an earlier one writes (Postgres busy). Each batch is one transaction, at most
    // MAX_OPEN_BATCHES open at a time; its writes take a transaction lock, so batches write one
    // after another. (The lock also keeps a second worker, should its whole-derivation lock
    // connection have died, from writing the same people in another order: a deadlock.)
    const contactProperties = [...bounceProperties(), ...contactPropertiesRead(settings.rules), ...phoneProperties()];
    const companyProperties = companyFactProperties();
    const batches: Promise<{ changed: number; levelChanges: number }>[] = [];
    const open = new Set<Promise<void>>();
    let failed = false;
    for await (const batch of batchesOfPeople) {
      while (open.size >= MAX_OPEN_BATCHES) await Promise.race(open);
      if (failed) break;
      people += batch.length;
      let loaded!: () => void;
      const nowLoaded = new Promise<void>((resolve) => (loaded = resolve));
      // Plain SQL on the pool: the batches move too many rows for Prisma's query layer to pay off.
      const done = bulkTransaction(db, (sql) => deriveBatch(sql, batch, { settings, now, actor, contactProperties, companyProperties, loaded }));
      const settled: Promise<void> = done.then(() => {}, () => {
        failed = true;
      }).finally(() => open.delete(settled));
      open.add(settled);
      batches.push(done);
      await Promise.race([nowLoaded, settled]);
      if (failed) break;
    }
    // A failed batch stops the loop; the one before it may still be writing: let it end first.
    const outcomes = await Promise.allSettled(batches);
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure) throw failure.reason;
    const results = outcomes.map((o) => (o as PromiseFulfilledResult<{ changed: number; levelChanges: number }>).value);
    const changed = results.reduce((n, r) => n + r.changed, 0);
    const levelChanges = results.reduce((n, r) => n + r.levelChanges, 0);
    if (full) {
      await db.vipDeriveState.upsert({
        where: { id: 1 },
        create: { id: 1, rulesHash: settings.rules.hash, fullDerivedAt: now },
        update: { rulesHash: settings.rules.hash, fullDerivedAt: now },
      });
    } else if (state === null && opts.emails === undefined) {
      // The first derivation: the list is now derived under these rules.
      await db.vipDeriveState.upsert({ where: { id: 1 }, create: { id: 1, rulesHash: settings.rules.hash, fullDerivedAt: null }, update: {} });
    }
    const distribution = opts.skipDistribution ? null : await currentLevelDistribution(db, settings.rules);
    return { full, people, changed, levelChanges, durationMs: Date.now() - started, distribution };
  });
}
