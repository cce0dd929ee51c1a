// Sync activities. `syncObjects` walks one object type of one connection page by page: it reads
// where the walk stands from Postgres, fetches the next page (the one after is fetched while this
// one is written), writes the page together with the new position, heartbeats, and returns after a
// time budget so the workflow stays in charge. A killed worker resumes exactly where it stopped.
import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { logger } from '../worker/logger.js';
import type { SyncCounts, SyncSummary } from '../workflows/contract.js';
import { registerConnections } from './connections.js';
import { CrmConfigurationError } from './crm/errors.js';
import type { CrmConnections } from './crm/connections.js';
import type { CrmCallStats, CrmClient, CrmCompanyRecord, CrmContactRecord, CrmObjectType, CrmWalkPage } from './crm/types.js';
import { bulkTransaction, type Db } from './db.js';
import { walkRunning } from './give-way.js';
import {
  companyRow, contactRow, isRejection, rejectDuplicateEmails, type CompanyRow, type ContactRow, type Rejection,
} from './records.js';
import {
  addToRun, advanceWalk, emailHolders, markDeleted, markVanished, quarantine, recordSeen, releaseFromQuarantine, upsertCompanies,
  upsertContacts, vanishAccepted,
} from './sync-store.js';

export interface SyncTuning {
  /** Re-read this much before the watermark, for late or clock-skewed writes. */
  overlapMs: number;
  /** A full walk (which also finds records that vanished) at least this often. */
  reconcileEveryMs: number;
  /**
   * How long one syncObjects call works before handing back to the workflow. Each hand-over
   * leaves the CRM's rate limit unused while the pages already fetched are written and the next
   * call starts (the 1M benchmark's HubSpot walk: ~0.75 s each, three times in a ~200 s walk with a
   * one-minute budget).
   */
  activityBudgetMs: number;
}

export const DEFAULT_SYNC_TUNING: SyncTuning = {
  overlapMs: 5 * 60_000,
  reconcileEveryMs: 7 * 24 * 3600_000,
  activityBudgetMs: 180_000,
};

export interface SyncActivityDeps {
  db: Db;
  /** The worker's connections, shared with every other activity that calls a CRM. */
  crm: CrmConnections;
  tuning?: Partial<SyncTuning>;
}

export interface SyncObjectsInput {
  connectionId: string;
  objectType: CrmObjectType;
  syncRunId: string;
}

export interface SyncObjectsResult {
  /** The walk is complete. */
  done: boolean;
  mode: 'full' | 'incremental';
  counts: Partial<SyncCounts>;
}

function statsDelta(before: CrmCallStats, after: CrmCallStats) {
  return {
    apiCalls: after.apiCalls - before.apiCalls,
    tokenRequests: after.tokenRequests - before.tokenRequests,
    http429: after.http429 - before.http429,
    retries: after.retries - before.retries,
  };
}

interface PreparedPage {
  companies: CompanyRow[];
  contacts: ContactRow[];
  rejected: Rejection[];
}

/**
 * Records validated and fingerprinted between two turns of the event loop: at ~40 us a record
 * (a 100k worker CPU profile: contactRow, its checks and hashing), a batch of 4,000 in one go
 * would keep the connection's other walk from handling its answers for ~160 ms; 250 hold it ~10 ms.
 */
const PREPARE_YIELD_EVERY = 250;

async function prepare(objectType: CrmObjectType, records: CrmWalkPage['records']): Promise<PreparedPage> {
  const page: PreparedPage = { companies: [], contacts: [], rejected: [] };
  for (let i = 0; i < records.length; i++) {
    if (i > 0 && i % PREPARE_YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    if (objectType === 'companies') {
      const row = companyRow(records[i] as CrmCompanyRecord);
      if (isRejection(row)) page.rejected.push(row);
      else page.companies.push(row);
    } else {
      const row = contactRow(records[i] as CrmContactRecord);
      if (isRejection(row)) page.rejected.push(row);
      else page.contacts.push(row);
    }
  }
  return page;
}

/**
 * Fetches a walk's pages one after another into a buffer, ahead of the writer. `take` waits for at
 * least one page and returns every page buffered (up to MAX_BATCH_RECORDS records); it returns
 * none when the walk is complete or `mayContinue` said stop. A fetch error is raised by `take`
 * only after the pages fetched before it were handed out, so their progress is kept.
 */
export class PageReader {
  private buffer: CrmWalkPage[] = [];
  private bufferedRecords = 0;
  private failure: unknown = null;
  private finished = false;
  private wake: (() => void) | null = null;
  private room: (() => void) | null = null;

  constructor(
    private readonly fetch: (position: string) => Promise<CrmWalkPage>,
    start: string,
    private readonly mayContinue: () => boolean,
  ) {
    void this.run(start);
  }

  private async run(start: string): Promise<void> {
    let position: string | null = start;
    try {
      while (position !== null) {
        while (this.bufferedRecords >= MAX_BATCH_RECORDS) await new Promise<void>((r) => (this.room = r));
        const page = await this.fetch(position);
        this.buffer.push(page);
        this.bufferedRecords += page.records.length + page.deletions.length;
        this.signal();
        position = page.next;
        if (!this.mayContinue()) break;
      }
    } catch (error) {
      this.failure = error;
    }
    this.finished = true;
    this.signal();
  }

  private signal(): void {
    this.wake?.();
    this.wake = null;
  }

  async take(): Promise<CrmWalkPage[]> {
    while (this.buffer.length === 0 && !this.finished) await new Promise<void>((r) => (this.wake = r));
    if (this.buffer.length === 0) {
      if (this.failure) throw this.failure;
      return [];
    }
    const batch: CrmWalkPage[] = [];
    let records = 0;
    while (this.buffer.length > 0 && (batch.length === 0 || records + this.buffer[0]!.records.length <= MAX_BATCH_RECORDS)) {
      const page = this.buffer.shift()!;
      records += page.records.length + page.deletions.length;
      batch.push(page);
    }
    this.bufferedRecords -= records;
    this.room?.();
    this.room = null;
    return batch;
  }
}

/**
 * The most records written in one transaction (several pages' worth when the CRM is fast; a
 * bigger page is written alone), and how many may wait for the writer before a walk stops fetching
 * ahead: a walk holds a batch being written and up to this many records plus one page. With
 * 2,000 (one Salesforce query batch) instead of 5,000 the walks of npm run bench at 100k took as
 * long (~20 s with limits off) and the worker's peak RSS was 269 MB instead of 284.
 */
export const MAX_BATCH_RECORDS = 2_000;

export function createSyncActivities(deps: SyncActivityDeps) {
  const { db } = deps;
  const tuning = { ...DEFAULT_SYNC_TUNING, ...deps.tuning };
  const { crm } = deps;
  // Call counts already written to a sync run, per connection. Calls of an attempt that failed
  // before committing are counted with the next page that commits, so no call goes uncounted.
  const committedStats = new Map<string, CrmCallStats>();

  async function fetchPage(client: CrmClient, objectType: CrmObjectType, position: string): Promise<CrmWalkPage> {
    try {
      return await client.fetchPage(objectType, position);
    } catch (error) {
      if (error instanceof CrmConfigurationError) throw ApplicationFailure.nonRetryable(error.message, error.name);
      throw error;
    }
  }

  interface BatchWrite {
    connectionId: string;
    objectType: CrmObjectType;
    syncRunId: bigint;
    walk: { mode: 'full' | 'incremental'; walkId: bigint; startedAt: Date };
    pages: CrmWalkPage[];
    /** Where the walk goes on after these pages; null when they complete it. */
    next: string | null;
    calls: ReturnType<typeof statsDelta>;
  }

  /** Writes pages, their deletions, the walk's new position and the run's counters in one transaction. */
  async function writeBatch(w: BatchWrite): Promise<Omit<SyncCounts, 'apiCalls' | 'tokenRequests' | 'http429' | 'retries'>> {
    const { connectionId, objectType, syncRunId, walk } = w;
    // A record read twice in one batch (modified while its walk ran, or read again when an instant
    // shared by many records is walked by id) is written once.
    const records = [...new Map(w.pages.flatMap((p) => p.records).map((r) => [r.crmId, r])).values()];
    const fetched = w.pages.reduce((n, p) => n + p.records.length, 0);
    const deletions = w.pages.flatMap((p) => p.deletions);
    const highWater = w.pages.reduce<Date | null>((max, p) => (p.highWater && (!max || p.highWater > max) ? p.highWater : max), null);
    const prepared = await prepare(objectType, records);

    return bulkTransaction(db, async (sql) => {
      let rejected = prepared.rejected;
      let contacts = prepared.contacts;
      if (objectType === 'contacts') {
        const holders = await emailHolders(sql, connectionId, contacts.map((c) => c.emailNormalized), contacts.map((c) => c.crmId));
        const deduped = rejectDuplicateEmails(contacts, holders);
        contacts = deduped.rows;
        rejected = [...rejected, ...deduped.rejected];
      }
      const written = objectType === 'companies'
        ? await upsertCompanies(sql, connectionId, prepared.companies)
        : await upsertContacts(sql, connectionId, contacts);
      const good = objectType === 'companies' ? prepared.companies.map((c) => c.crmId) : contacts.map((c) => c.crmId);
      await releaseFromQuarantine(sql, connectionId, objectType, good);
      await quarantine(sql, connectionId, objectType, syncRunId, rejected);
      let deleted = await markDeleted(sql, connectionId, objectType, deletions);
      let vanishedHeld = 0;
      if (walk.mode === 'full') await recordSeen(sql, walk.walkId, objectType, records.map((r) => r.crmId));
      if (w.next === null && walk.mode === 'full') {
        const accepted = await vanishAccepted(sql, connectionId, objectType);
        const vanished = await markVanished(sql, connectionId, objectType, walk.walkId, accepted ? null : crm.config(connectionId).vanishGuard);
        deleted += vanished.marked;
        vanishedHeld = vanished.held;
        if (vanishedHeld > 0) {
          logger.warn(
            { connectionId, objectType, vanishedHeld },
            `full walk of ${objectType} did not see ${vanishedHeld} live records, more than the connection's vanish guard lets a sync mark gone; none marked. ` +
              `If they really are gone: vipsync sync now --connection ${connectionId} --full --accept-vanished`,
          );
        }
      }
      await advanceWalk(sql, { connectionId, objectType, next: w.next, highWater, walk });

      const created = written.filter((x) => x.inserted).length;
      const counts = {
        fetched,
        created,
        updated: written.length - created,
        unchanged: fetched - rejected.length - written.length,
        deleted,
        quarantined: rejected.length,
        vanishedHeld,
      };
      await addToRun(sql, syncRunId, { ...counts, ...w.calls });
      return counts;
    });
  }

  /** Where the walk stands, starting one (full or incremental) when none is in progress. */
  async function currentWalk(input: SyncObjectsInput, client: CrmClient) {
    const key = { connectionId: input.connectionId, objectType: input.objectType };
    const state = await db.syncState.findUnique({ where: { connectionId_objectType: key } });
    if (state?.cursor && state.walkMode && state.walkSyncRunId !== null) {
      return { position: state.cursor, mode: state.walkMode as 'full' | 'incremental', walkId: state.walkSyncRunId, startedAt: state.walkStartedAt! };
    }
    const now = new Date();
    const full = !state?.fullSyncedAt || !state.watermark || state.fullRequestedAt !== null
      || now.getTime() - state.fullSyncedAt.getTime() > tuning.reconcileEveryMs;
    // Never before the start of time: a watermark at the epoch (nothing read yet) means everything.
    const since = full ? null : new Date(Math.max(0, state!.watermark!.getTime() - tuning.overlapMs));
    const walk = {
      cursor: client.startWalk(input.objectType, since),
      walkMode: full ? 'full' : 'incremental',
      walkStartedAt: now,
      walkHighWater: null,
      walkSyncRunId: BigInt(input.syncRunId),
    };
    await db.syncState.upsert({ where: { connectionId_objectType: key }, create: { ...key, ...walk }, update: walk });
    return { position: walk.cursor, mode: walk.walkMode as 'full' | 'incremental', walkId: walk.walkSyncRunId, startedAt: now };
  }

  return {
    /** Records the connection in crm_connections and opens a sync run; returns the run's id. */
    async startSyncRun(input: { connectionId: string; workflowId: string; runId: string; mode: string }): Promise<string> {
      await registerConnections(db, [crm.config(input.connectionId)]);
      const run = await db.syncRun.upsert({
        where: { workflowId_runId: { workflowId: input.workflowId, runId: input.runId } },
        create: { connectionId: input.connectionId, workflowId: input.workflowId, runId: input.runId, mode: input.mode },
        update: {},
      });
      return run.id.toString();
    },

    async syncObjects(input: SyncObjectsInput): Promise<SyncObjectsResult> {
      const { connectionId, objectType } = input;
      const syncRunId = BigInt(input.syncRunId);
      const client = crm.client(connectionId);
      const deadline = Date.now() + tuning.activityBudgetMs;
      const walk = await currentWalk(input, client);
      const totals: Partial<SyncCounts> = { fetched: 0, created: 0, updated: 0, unchanged: 0, deleted: 0, quarantined: 0, vanishedHeld: 0 };
      const before = committedStats.get(connectionId) ?? { apiCalls: 0, tokenRequests: 0, http429: 0, retries: 0 };
      committedStats.set(connectionId, before);
      const cancelled = () => Context.current().cancellationSignal.aborted;
      // Heartbeats also while one slow page is being fetched or retried.
      const beat = setInterval(() => heartbeat({ objectType, fetched: totals.fetched }), 5_000);
      // A VIP derivation in this worker keeps to a share of the thread meanwhile (give-way.ts).
      const walkEnded = walkRunning();

      // Pages are fetched ahead (in order: each needs the cursor of the one before) while earlier
      // ones are written; whatever has arrived by the time a write ends goes into the next one.
      const reader = new PageReader(
        (position) => fetchPage(client, objectType, position), walk.position,
        () => Date.now() < deadline && !cancelled(),
      );
      let position: string | null = walk.position;
      try {
        for (let batch = await reader.take(); batch.length > 0; batch = await reader.take()) {
          const next = batch.at(-1)!.next;
          // Calls are attributed to the batch committed next, those of fetches ahead (and of the
          // connection's other walk) included: claimed now, given back if the write fails.
          const snapshot = client.stats();
          const calls = statsDelta(before, snapshot);
          Object.assign(before, snapshot);
          let counts: Awaited<ReturnType<typeof writeBatch>>;
          try {
            counts = await writeBatch({ connectionId, objectType, syncRunId, walk, pages: batch, next, calls });
          } catch (error) {
            for (const k of Object.keys(calls) as (keyof typeof calls)[]) before[k] -= calls[k];
            throw error;
          }
          for (const [k, v] of Object.entries(counts)) totals[k as keyof SyncCounts]! += v;
          position = next;
          heartbeat({ objectType, fetched: totals.fetched });
        }
      } finally {
        clearInterval(beat);
        walkEnded();
      }
      return { done: position === null, mode: walk.mode, counts: totals };
    },

    async finishSyncRun(input: { syncRunId: string; mode?: string; error?: string }): Promise<SyncSummary> {
      const run = await db.syncRun.findUniqueOrThrow({ where: { id: BigInt(input.syncRunId) } });
      const finishedAt = new Date();
      const done = await db.syncRun.update({
        where: { id: run.id },
        data: {
          // A run that held vanished records back still brought everything else in.
          status: input.error ? 'failed' : run.vanishedHeld > 0 ? 'needs_review' : 'succeeded',
          error: input.error ?? null,
          ...(input.mode ? { mode: input.mode } : {}),
          finishedAt,
          durationMs: finishedAt.getTime() - run.startedAt.getTime(),
        },
      });
      return {
        connectionId: done.connectionId,
        syncRunId: done.id.toString(),
        mode: done.mode,
        fetched: done.fetched,
        created: done.created,
        updated: done.updated,
        unchanged: done.unchanged,
        deleted: done.deleted,
        quarantined: done.quarantined,
        apiCalls: done.apiCalls,
        tokenRequests: done.tokenRequests,
        http429: done.http429,
        retries: done.retries,
        vanishedHeld: done.vanishedHeld,
        status: done.status === 'needs_review' ? 'needs-review' : 'succeeded',
        durationMs: done.durationMs ?? 0,
        vipsChanged: 0,
      };
    },
  };
}

export type SyncActivities = ReturnType<typeof createSyncActivities>;
