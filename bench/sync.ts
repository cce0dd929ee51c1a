// Sync benchmarks for one dataset size, against the public surface only (a real worker process,
// Temporal schedules through triggerSync/waitForSync, the emulators' own request counters), so
// they keep measuring the same thing while the sync engine changes underneath.
//
// Two phases, each with a fresh database, its own emulator processes (one per CRM) and its own worker process:
// - limits on (the emulators' defaults): full sync of both connections, then a no-change run;
// - limits off: a full sync end to end, then the raw COPY rate of the rows it stored and the CRMs
//   read once more by the clients alone (nothing written): what reading and storing cost by themselves.
import { cpus } from 'node:os';
import { measureCopy } from './copy-measure.js';
import { runSyncRound, withPhase, type BenchStack, type Phase } from './phase.js';
import { readAll } from './read-all.js';
import { round, type Log } from './reporting.js';

/** The HubSpot emulator's default limits (a Professional private app). */
const HUBSPOT_DATA_CALLS_PER_SECOND = 190 / 10;
const HUBSPOT_SEARCH_CALLS_PER_SECOND = 5;

export interface SyncBenchResult {
  contacts: number;
  rateLimitUtilization: number;
  http429Received: number;
  apiCallsPer1000Full: number;
  apiCallsNoChangeIncremental: number;
  unthrottledContactsPerSec: number;
  copyRowsPerSec: number;
  peakRssMb: number;
  details: Record<string, number | string | null>;
}

export async function runSyncBench(stack: BenchStack, contacts: number, log: Log): Promise<SyncBenchResult> {
  const limited = await withPhase(stack, contacts, true, log, (phase) => limitedPhase(stack, phase, contacts, log));
  const unthrottled = await withPhase(stack, contacts, false, log, (phase) => unthrottledPhase(stack, phase, contacts, log));
  const peaks = [limited.peakRssMb, unthrottled.peakRssMb].filter((mb): mb is number => mb !== null);
  return {
    contacts,
    rateLimitUtilization: limited.rateLimitUtilization,
    http429Received: limited.http429Received,
    apiCallsPer1000Full: limited.apiCallsPer1000Full,
    apiCallsNoChangeIncremental: limited.apiCallsNoChangeIncremental,
    unthrottledContactsPerSec: unthrottled.contactsPerSec,
    copyRowsPerSec: unthrottled.copyRowsPerSec,
    peakRssMb: round(peaks.length ? Math.max(...peaks) : Number.NaN, 0),
    details: { ...limited.details, ...unthrottled.details },
  };
}

async function limitedPhase(stack: BenchStack, phase: Phase, contacts: number, log: Log) {
  const hs0 = await phase.emulators.hubspotStats();
  const sf0 = await phase.emulators.salesforceStats();
  // Bounds against a hung run, not targets: the HubSpot walk at the limit plus slow writes and VIP derivation.
  const atTheLimitSeconds = (hs0.contacts + hs0.companies) / 100 / HUBSPOT_DATA_CALLS_PER_SECOND;
  const timeoutMs = Math.max(1800, 4 * atTheLimitSeconds + contacts / 100) * 1000;

  log(`${phase.label}: full sync of both connections (HubSpot ${hs0.contacts.toLocaleString('en-US')} contacts + ${hs0.companies.toLocaleString('en-US')} companies, Salesforce ${sf0.contacts.toLocaleString('en-US')} + ${sf0.accounts.toLocaleString('en-US')})`);
  const full = await runSyncRound(stack, phase, 'full sync', [phase.hubspotId, phase.salesforceId], timeoutMs, log);
  const hs1 = full.hubspotAfter;
  const sf1 = await phase.emulators.salesforceStats();

  log(`${phase.label}: incremental sync with no changes`);
  const incremental = await runSyncRound(stack, phase, 'no-change sync', [phase.hubspotId, phase.salesforceId], timeoutMs, log);
  const hs2 = incremental.hubspotAfter;
  const sf2 = await phase.emulators.salesforceStats();

  // The rate-limit bound: the fewest seconds the calls actually made could take at the limits,
  // so it follows the records per call the engine gets (page size, inline associations, search).
  const hubspotFetched = full.summaries.get(phase.hubspotId)!.fetched;
  const hsCalls = hs1.requests - hs0.requests;
  const hsSearchCalls = hs1.searchRequests - hs0.searchRequests;
  const hs429 = hs1.http429 - hs0.http429;
  const admitted = hsCalls > 0 ? (hsCalls - hs429) / hsCalls : 0;
  const minimumSeconds = Math.max(
    ((hsCalls - hsSearchCalls) * admitted) / HUBSPOT_DATA_CALLS_PER_SECOND,
    (hsSearchCalls * admitted) / HUBSPOT_SEARCH_CALLS_PER_SECOND,
  );
  const apiSeconds = full.hubspotApiSeconds;
  const sfFetched = full.summaries.get(phase.salesforceId)!.fetched;
  const sfCalls = sf1.requests - sf0.requests;
  return {
    rateLimitUtilization: round(apiSeconds > 0 ? minimumSeconds / apiSeconds : Number.NaN, 3),
    http429Received: hs2.http429 - hs0.http429 + (sf2.http429 - sf0.http429),
    apiCallsPer1000Full: round(hsCalls / (hs0.contacts / 1000), 2),
    apiCallsNoChangeIncremental: hs2.requests - hs1.requests + (sf2.requests - sf1.requests),
    peakRssMb: phase.worker.peakRssMb(),
    details: {
      hubspotContacts: hs0.contacts,
      hubspotCompanies: hs0.companies,
      salesforceContacts: sf0.contacts,
      salesforceAccounts: sf0.accounts,
      hubspotFullRecordsFetched: hubspotFetched,
      hubspotFullDataCalls: hsCalls,
      hubspotFullSearchCalls: hsSearchCalls,
      // The contacts' own share of apiCallsPer1000Full (companies and archived listings are the rest).
      hubspotContactCallsPer1000: round((hs1.contactRequests - hs0.contactRequests) / (hs0.contacts / 1000), 2),
      hubspotRecordsPerCall: round(hsCalls ? hubspotFetched / (hsCalls - hs429) : Number.NaN, 1),
      hubspotFullApiSeconds: round(apiSeconds, 1),
      hubspotFullMinimumSeconds: round(minimumSeconds, 1),
      hubspotFullRecordsPerSec: round(hubspotFetched / apiSeconds, 0),
      hubspotFullSyncSeconds: round(full.secondsById.get(phase.hubspotId)!, 1),
      salesforceFullDataCalls: sfCalls,
      salesforceFullTokenCalls: sf1.tokenRequests - sf0.tokenRequests,
      salesforceRecordsPerCall: round(sfCalls ? sfFetched / sfCalls : Number.NaN, 1),
      salesforceFullSyncSeconds: round(full.secondsById.get(phase.salesforceId)!, 1),
      limitedFullSyncSeconds: round(full.seconds, 1),
      incrementalHubSpotCalls: hs2.requests - hs1.requests,
      incrementalSalesforceCalls: sf2.requests - sf1.requests,
      incrementalRecordsFetched: [...incremental.summaries.values()].reduce((sum, s) => sum + s.fetched, 0),
      incrementalSeconds: round(incremental.seconds, 1),
      workerBootPeakRssMb: round(phase.worker.bootPeakRssMb ?? Number.NaN, 0),
      workerIdleRssMb: round(phase.worker.idleRssMb, 0),
      limitedWorkerPeakRssMb: round(phase.worker.peakRssMb() ?? Number.NaN, 0),
    },
  };
}

async function unthrottledPhase(stack: BenchStack, phase: Phase, contacts: number, log: Log) {
  const hs0 = await phase.emulators.hubspotStats();
  const sf0 = await phase.emulators.salesforceStats();
  const crmContacts = hs0.contacts + sf0.contacts;
  log(`${phase.label}: full sync of both connections into a fresh database`);
  // Bounds against a hung run, not targets: today's engine needs minutes per 100k contacts.
  const timeoutMs = Math.max(1800, contacts / 100) * 1000;
  const before = await phase.worker.stats();
  const full = await runSyncRound(stack, phase, 'full sync', [phase.hubspotId, phase.salesforceId], timeoutMs, log);
  const after = await phase.worker.stats();
  const peakRssMb = phase.worker.peakRssMb();
  const fetched = [...full.summaries.values()].reduce((sum, s) => sum + s.fetched, 0);
  const copies = await measureCopy(stack.postgres, phase, log);
  const copy = copies.get('crm_contacts')!;
  const copySeconds = [...copies.values()].reduce((sum, c) => sum + c.seconds, 0);
  const copyCpuSeconds = [...copies.values()].reduce((sum, c) => sum + c.cpuSeconds, 0);
  // What reading alone costs: the same emulators walked again from this process, nothing written.
  log(`${phase.label}: both CRMs read again by the clients alone, nothing written`);
  const read = await readAll(phase.emulators, { limitsOff: true, salesforce: true });
  const readCpuSeconds = read.cpuSeconds.reader + read.cpuSeconds.hubspotEmulator + read.cpuSeconds.salesforceEmulator;
  const readContacts = read.hubspotContacts + read.salesforceContacts;
  log(`${phase.label}: read ${readContacts.toLocaleString('en-US')} contacts in ${read.seconds.toFixed(1)} s (${Math.round(readContacts / read.seconds).toLocaleString('en-US')}/s), ${readCpuSeconds.toFixed(1)} CPU s`);
  return {
    contactsPerSec: round(crmContacts / full.seconds, 0),
    copyRowsPerSec: round(copy.rows / copy.seconds, 0),
    peakRssMb,
    details: {
      unthrottledSeconds: round(full.seconds, 1),
      unthrottledRecordsPerSec: round(fetched / full.seconds, 0),
      copyRows: copy.rows,
      copySeconds: round(copy.seconds, 2),
      copyAllTablesRows: [...copies.values()].reduce((sum, c) => sum + c.rows, 0),
      copyAllTablesSeconds: round(copySeconds, 2),
      copyAllTablesCpuSeconds: round(copyCpuSeconds, 2),
      readOnlySeconds: round(read.seconds, 1),
      readOnlyContactsPerSec: round(readContacts / read.seconds, 0),
      readOnlyCpuUsPerContact: round((readCpuSeconds * 1e6) / readContacts, 0),
      // The most contacts a second these cores could sync if they did nothing but read the CRMs
      // (client and emulators) and COPY the rows a sync stores, with no time lost between them:
      // CPU time only (the COPYing server process's; its WAL writer's and any wait left out).
      cpuBoundContactsPerSec: round((crmContacts * cpus().length) / (readCpuSeconds * (crmContacts / readContacts) + copyCpuSeconds), 0),
      unthrottledWorkerPeakRssMb: round(peakRssMb ?? Number.NaN, 0),
      // The worker's own CPU per contact, and the share of its CPU time spent in GC pauses.
      unthrottledWorkerCpuUsPerContact: round(((after.cpuMs - before.cpuMs) * 1000) / crmContacts, 0),
      unthrottledWorkerGcShare: round((after.gcMs - before.gcMs) / (after.cpuMs - before.cpuMs), 3),
    },
  };
}
