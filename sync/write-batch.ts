// One batch of a walk's pages into Postgres: its records (validated and fingerprinted), their
// deletions, the walk's new position and the run's counters, in ONE transaction, so a crash at any
// instant leaves the whole batch or none of it and the walk resumes after the last committed one.
import type { CrmCallStats, CrmCompanyRecord, CrmContactRecord, CrmObjectType, CrmWalkPage } from '../crm/types.js';
import { bulkTransaction, type Db } from '../db/client.js';
import { logger } from '../runtime/logger.js';
import type { SyncCounts } from '../workflows/contract.js';
import {
  companyRow, contactRow, isRejection, rejectDuplicateEmails, type CompanyRow, type ContactRow, type Rejection,
} from './records.js';
import {
  addToRun, advanceWalk, emailHolders, markDeleted, markVanished, quarantine, recordSeen, releaseFromQuarantine, upsertCompanies,
  upsertContacts, vanishAccepted, type VanishGuard,
} from './store.js';

/** The CRM calls a batch accounts for. */
export type CallCounts = Pick<CrmCallStats, 'apiCalls' | 'tokenRequests' | 'http429' | 'retries'>;
export type BatchCounts = Omit<SyncCounts, keyof CallCounts>;

interface PreparedPage {
  companies: CompanyRow[];
  contacts: ContactRow[];
  rejected: Rejection[];
}

/**
 * Records validated and fingerprinted between two turns of the event loop: a whole batch in one go
 * would keep the connection's other walk from handling its answers (~40 us a record: a batch of
 * 4,000 ~160 ms, 250 ~10 ms).
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

export interface BatchWrite {
  connectionId: string;
  objectType: CrmObjectType;
  syncRunId: bigint;
  walk: { mode: 'full' | 'incremental'; walkId: bigint; startedAt: Date };
  pages: CrmWalkPage[];
  /** Where the walk goes on after these pages; null when they complete it. */
  next: string | null;
  calls: CallCounts;
}

/** Writes pages, their deletions, the walk's new position and the run's counters in one transaction. */
export async function writeBatch(db: Db, vanishGuard: VanishGuard, w: BatchWrite): Promise<BatchCounts> {
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
      const vanished = await markVanished(sql, connectionId, objectType, walk.walkId, accepted ? null : vanishGuard);
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
