// `npm run bench`: the figures of issue #3 for 10k, 100k and 1M generated contacts
// (`-- --quick`: 10k only), the lookup benchmark and the CSV import benchmark, printed as a table
// and written to bench/results.json.
//   npm run bench [-- --quick] [-- --sizes 10k,100k] [-- --skip-lookup] [-- --skip-import]
// Progress goes to stderr; everything it starts (PostgreSQL, Temporal, emulator and worker
// processes) is stopped at the end, on failure and on Ctrl-C.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { startPostgres, type PostgresCluster } from '../cli/stack/postgres.js';
import { startTemporalDevServer, type TemporalDevServer } from '../cli/stack/temporal.js';
import { imageNodeOptions } from '../worker/image.js';
import { runCliStartupBench } from './cli-startup.js';
import { buildForBench, stopBenchChildren } from './processes.js';
import { formatSize } from './reporting.js';
import { runSyncBench, type SyncBenchResult } from './sync.js';

const REPO_DIR = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_FILE = join(REPO_DIR, 'bench/results.json');
const LOOKUP_BENCH = join(REPO_DIR, 'bench/lookup.ts');
const IMPORT_BENCH = join(REPO_DIR, 'bench/import.ts');
const PUSH_BENCH = join(REPO_DIR, 'bench/push.ts');
const FULL_SIZES = [10_000, 100_000, 1_000_000];
const QUICK_SIZES = [10_000];

/** The figures issue #3 names, in table order, with how to show them. */
const FIGURES: { key: keyof SyncBenchResult | string; label: string; digits: number }[] = [
  { key: 'rateLimitUtilization', label: 'rateLimitUtilization (HubSpot, target >= 0.95)', digits: 3 },
  { key: 'http429Received', label: 'http429Received (target 0)', digits: 0 },
  { key: 'apiCallsPer1000Full', label: 'apiCallsPer1000Full (HubSpot, target <= 10.2)', digits: 2 },
  { key: 'apiCallsNoChangeIncremental', label: 'apiCallsNoChangeIncremental (target <= 6)', digits: 0 },
  { key: 'unthrottledContactsPerSec', label: 'unthrottledContactsPerSec (target >= 20,000)', digits: 0 },
  { key: 'copyRowsPerSec', label: 'copyRowsPerSec (raw COPY, same rows)', digits: 0 },
  { key: 'peakRssMb', label: 'peakRssMb (worker, target < 300 at 1M)', digits: 0 },
  { key: 'hubspotContactCallsPer1000', label: '  HubSpot calls per 1000, contacts alone', digits: 2 },
  { key: 'hubspotRecordsPerCall', label: '  HubSpot records per call (full)', digits: 1 },
  { key: 'hubspotFullApiSeconds', label: '  HubSpot full sync API seconds', digits: 1 },
  { key: 'hubspotFullMinimumSeconds', label: '  ... at the rate limit', digits: 1 },
  { key: 'limitedFullSyncSeconds', label: '  full sync wall seconds (limits on)', digits: 1 },
  { key: 'incrementalSeconds', label: '  no-change sync seconds', digits: 1 },
  { key: 'unthrottledSeconds', label: '  full sync seconds (limits off)', digits: 1 },
  { key: 'readOnlyContactsPerSec', label: '  contacts/s reading the CRMs alone (limits off)', digits: 0 },
  { key: 'readOnlyCpuUsPerContact', label: '  ... CPU us per contact (client + emulators)', digits: 0 },
  { key: 'copyAllTablesSeconds', label: '  raw COPY seconds, all rows a sync stores', digits: 2 },
  { key: 'copyAllTablesCpuSeconds', label: '  ... CPU seconds of the server process', digits: 2 },
  { key: 'cpuBoundContactsPerSec', label: '  contacts/s if the cores only read + COPY', digits: 0 },
  { key: 'unthrottledWorkerCpuUsPerContact', label: '  worker CPU us per contact (limits off)', digits: 0 },
  { key: 'unthrottledWorkerGcShare', label: '  ... share in GC pauses', digits: 3 },
  { key: 'workerIdleRssMb', label: '  worker RSS when ready, idle', digits: 0 },
  { key: 'workerBootPeakRssMb', label: '  worker peak RSS while booting', digits: 0 },
];

const startedAt = Date.now();

function log(msg: string): void {
  const elapsed = Math.round((Date.now() - startedAt) / 1000);
  const stamp = `${String(Math.floor(elapsed / 60)).padStart(2, '0')}:${String(elapsed % 60).padStart(2, '0')}`;
  process.stderr.write(`[bench ${stamp}] ${msg}\n`);
}

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  if (!match) throw new Error(`--sizes: "${text}" is not a size (e.g. 10k, 100k, 1m, 25000)`);
  const unit = { '': 1, k: 1_000, m: 1_000_000 }[match[2]!.toLowerCase() as '' | 'k' | 'm'];
  return Math.round(Number(match[1]) * unit);
}

interface Stack {
  postgres?: PostgresCluster;
  temporal?: TemporalDevServer;
  connection?: Connection;
}

async function stopStack(stack: Stack, opts: { interrupted: boolean }): Promise<void> {
  await stopBenchChildren().catch((error: Error) => log(`while stopping processes: ${error.message}`));
  // Interrupted, a client call may still be retrying: closing its channel under it would throw
  // from a timer and end the process before PostgreSQL's data directory is removed.
  if (!opts.interrupted) await stack.connection?.close().catch(() => {});
  await Promise.all([
    stack.temporal?.stop().catch((error: Error) => log(`while stopping Temporal: ${error.message}`)),
    stack.postgres?.stop().catch((error: Error) => log(`while stopping PostgreSQL: ${error.message}`)),
  ]);
}

async function runSyncBenches(sizes: number[]): Promise<(SyncBenchResult | { contacts: number; error: string })[]> {
  const stack: Stack = {};
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping everything the benchmark started ...`);
    void stopStack(stack, { interrupted: true }).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const results: (SyncBenchResult | { contacts: number; error: string })[] = [];
  try {
    buildForBench(log);
    log(`worker Node options (the image's): ${imageNodeOptions()}`);
    stack.postgres = await startPostgres({ dataDir: join(tmpdir(), `vipsync-bench-${process.pid}`), log });
    stack.temporal = await startTemporalDevServer({ toolsDir: join(REPO_DIR, '.vipsync/tools'), log });
    stack.connection = await Connection.connect({ address: stack.temporal.address });
    const client = new Client({ connection: stack.connection, namespace: stack.temporal.namespace });
    for (const size of sizes) {
      const sizeStartedAt = Date.now();
      log(`---- ${formatSize(size)} contacts ----`);
      try {
        results.push(await runSyncBench({ postgres: stack.postgres, temporal: stack.temporal, client }, size, log));
        log(`${formatSize(size)} done in ${Math.round((Date.now() - sizeStartedAt) / 1000)} s`);
      } catch (error) {
        if (interrupted) throw error;
        log(`${formatSize(size)} FAILED: ${(error as Error).stack ?? String(error)}`);
        results.push({ contacts: size, error: (error as Error).message });
      }
    }
  } finally {
    if (!interrupted) await stopStack(stack, { interrupted: false });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return results;
}

/** bench/lookup.ts (another benchmark) is optional: its figures are merged when it is there. */
async function runLookupBench(quick: boolean): Promise<{ figures: Record<string, number>; note?: string }> {
  if (!existsSync(LOOKUP_BENCH)) {
    log('lookup benchmark skipped: bench/lookup.ts does not exist');
    return { figures: {}, note: 'skipped: bench/lookup.ts does not exist' };
  }
  log('---- lookup benchmark (bench/lookup.ts) ----');
  try {
    const module = (await import(pathToFileURL(LOOKUP_BENCH).href)) as {
      runLookupBench?: (opts: { quick: boolean }) => Promise<Record<string, number>>;
    };
    if (typeof module.runLookupBench !== 'function') throw new Error('bench/lookup.ts does not export runLookupBench');
    return { figures: await module.runLookupBench({ quick }) };
  } catch (error) {
    log(`lookup benchmark FAILED: ${(error as Error).stack ?? String(error)}`);
    return { figures: {}, note: `failed: ${(error as Error).message}` };
  }
}

type PartResult = { figures: Record<string, number>; note?: string };

/** Loads one part's benchmark module and runs its `exported` function; a failure becomes a note. */
async function runPartBench(title: string, file: string, exported: string): Promise<PartResult> {
  log(`---- ${title} benchmark (${relative(REPO_DIR, file)}) ----`);
  try {
    const module = (await import(pathToFileURL(file).href)) as Record<string, () => Promise<Record<string, number>>>;
    return { figures: await module[exported]!() };
  } catch (error) {
    log(`${title} benchmark FAILED: ${(error as Error).stack ?? String(error)}`);
    return { figures: {}, note: `failed: ${(error as Error).message}` };
  }
}

/** bench/import.ts: `vipsync vip import` of 50k rows as a process, and lookups while a server imports 12 MB. */
const runImportBench = () => runPartBench('CSV import', IMPORT_BENCH, 'runImportBench');

/** bench/push.ts: from an edit in each CRM emulator to the lookup's new answer, by the push path (webhooks, change events) and by polling. */
const runPushBench = () => runPartBench('push path', PUSH_BENCH, 'runPushBench');

/** `--import-only`, `--push-only`: runs that part alone and replaces only its entry (`key`) in bench/results.json. */
async function replacePartFigures(key: 'import' | 'push', run: () => Promise<PartResult>, digits: (v: number) => number): Promise<void> {
  const previous = JSON.parse(await readFile(RESULTS_FILE, 'utf8').catch(() => '{}')) as Record<string, unknown>;
  const result = await run();
  if (result.note) {
    log(`${key} benchmark: ${result.note}; ${RESULTS_FILE} left as it was`);
    process.exitCode = 1;
    return;
  }
  await writeFile(RESULTS_FILE, `${JSON.stringify({ ...previous, [key]: importEntry(result) }, null, 2)}\n`);
  const width = Math.max(...Object.keys(result.figures).map((k) => k.length));
  process.stdout.write(`\n${Object.entries(result.figures).map(([k, v]) => `${k.padEnd(width)}  ${formatFigure(v, digits(v))}`).join('\n')}\n`);
  log(`${key} figures written to ${RESULTS_FILE} (${Math.round((Date.now() - startedAt) / 1000)} s in all)`);
}

/** A part's figures as results.json keeps them (under `import`, `push`), with when they were measured. */
function importEntry(result: { figures: Record<string, number>; note?: string }): Record<string, unknown> {
  return result.note ? { note: result.note } : { generatedAt: new Date().toISOString(), ...result.figures };
}

function formatFigure(value: unknown, digits: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return value === undefined ? '' : String(value ?? 'n/a');
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function printTable(results: (SyncBenchResult | { contacts: number; error: string })[], lookup: Record<string, number>): void {
  const header = ['figure', ...results.map((r) => `${formatSize(r.contacts)} contacts`)];
  const rows = FIGURES.map((figure) => [
    figure.label,
    ...results.map((r) => {
      if ('error' in r) return 'failed';
      const value = figure.key in r ? r[figure.key as keyof SyncBenchResult] : r.details[figure.key];
      return formatFigure(value, figure.digits);
    }),
  ]);
  for (const [key, value] of Object.entries(lookup)) rows.push([key, formatFigure(value, Number.isInteger(value) ? 0 : 2)]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  process.stdout.write(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`);
  for (const r of results) if ('error' in r) process.stdout.write(`${formatSize(r.contacts)}: ${r.error}\n`);
}

/** The sync run's own keys in bench/results.json (and the import benchmark's); every other key is the lookup benchmark's. */
const SYNC_KEYS = new Set(['generatedAt', 'mode', 'environment', 'lookup', 'sizes', 'import', 'cli', 'push']);

/** --skip-lookup keeps the lookup figures already written (as --lookup-only keeps the sync figures). */
async function previousLookupFigures(): Promise<{ figures: Record<string, unknown>; note?: string }> {
  const previous = JSON.parse(await readFile(RESULTS_FILE, 'utf8').catch(() => '{}')) as Record<string, unknown>;
  const figures = Object.fromEntries(Object.entries(previous).filter(([key]) => !SYNC_KEYS.has(key)));
  return Object.keys(figures).length > 0 ? { figures } : { figures, note: 'skipped: --skip-lookup' };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      quick: { type: 'boolean', default: false },
      sizes: { type: 'string' },
      'skip-lookup': { type: 'boolean', default: false },
      'lookup-only': { type: 'boolean', default: false },
      'skip-import': { type: 'boolean', default: false },
      'import-only': { type: 'boolean', default: false },
      'skip-push': { type: 'boolean', default: false },
      'push-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'npm run bench [-- --quick] [-- --sizes 10k,100k,1m] [-- --skip-lookup]\n' +
        '  --quick        the 10k size only (a few minutes)\n' +
        '  --sizes LIST   dataset sizes in contacts across both CRMs (default 10k,100k,1m)\n' +
        '  --skip-lookup  leave out bench/lookup.ts (its figures already in bench/results.json are kept)\n' +
        '  --lookup-only  run bench/lookup.ts alone and replace only its figures in bench/results.json\n' +
        '  --skip-import  leave out bench/import.ts (its figures already in bench/results.json are kept)\n' +
        '  --import-only  run bench/import.ts alone and replace only its figures (`import`) in bench/results.json\n' +
        '  --skip-push    leave out bench/push.ts (its figures already in bench/results.json are kept)\n' +
        '  --push-only    run bench/push.ts alone and replace only its figures (`push`) in bench/results.json\n',
    );
    return;
  }
  if (values['push-only']) return replacePartFigures('push', runPushBench, () => 0);
  if (values['import-only']) return replacePartFigures('import', runImportBench, (v) => (Number.isInteger(v) ? 0 : 2));
  if (values['lookup-only']) {
    // Re-measures the lookup and keeps the sync figures already written (they take up to half an hour).
    const previous = JSON.parse(await readFile(RESULTS_FILE, 'utf8').catch(() => '{}')) as Record<string, unknown>;
    const lookup = await runLookupBench(values.quick);
    if (lookup.note) {
      log(`lookup benchmark: ${lookup.note}; ${RESULTS_FILE} left as it was`);
      process.exitCode = 1;
      return;
    }
    const kept = Object.fromEntries(Object.entries(previous).filter(([key]) => !(key in lookup.figures)));
    await writeFile(RESULTS_FILE, `${JSON.stringify({ ...lookup.figures, lookupGeneratedAt: new Date().toISOString(), lookupMode: values.quick ? 'quick' : 'full', ...kept }, null, 2)}\n`);
    const width = Math.max(...Object.keys(lookup.figures).map((k) => k.length));
    process.stdout.write(`\n${Object.entries(lookup.figures).map(([k, v]) => `${k.padEnd(width)}  ${formatFigure(v, Number.isInteger(v) ? 0 : 2)}`).join('\n')}\n`);
    log(`lookup figures written to ${RESULTS_FILE} (${Math.round((Date.now() - startedAt) / 1000)} s in all)`);
    return;
  }
  const sizes = values.sizes ? values.sizes.split(',').map(parseSize) : values.quick ? QUICK_SIZES : FULL_SIZES;
  log(`sizes: ${sizes.map(formatSize).join(', ')} contacts (across both CRMs); ${cpus().length} cores, Node ${process.version}`);

  const results = await runSyncBenches(sizes);
  log('---- vipsync command start-up (bench/cli-startup.ts) ----');
  const cli = await runCliStartupBench({ runs: values.quick ? 7 : 15 });
  const lookup = values['skip-lookup'] ? await previousLookupFigures() : await runLookupBench(values.quick);
  const previousImport = (JSON.parse(await readFile(RESULTS_FILE, 'utf8').catch(() => '{}')) as { import?: Record<string, unknown> }).import;
  const imported = values['skip-import'] ? null : await runImportBench();
  const previousPush = (JSON.parse(await readFile(RESULTS_FILE, 'utf8').catch(() => '{}')) as { push?: Record<string, unknown> }).push;
  const pushed = values['skip-push'] ? null : await runPushBench();

  const output = {
    ...lookup.figures,
    generatedAt: new Date().toISOString(),
    mode: values.sizes ? 'custom' : values.quick ? 'quick' : 'full',
    environment: { node: process.version, cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' },
    ...(lookup.note ? { lookup: lookup.note } : {}),
    cli,
    sizes: results,
    ...(imported ? { import: importEntry(imported) } : previousImport ? { import: previousImport } : {}),
    ...(pushed ? { push: importEntry(pushed) } : previousPush ? { push: previousPush } : {}),
  };
  await writeFile(RESULTS_FILE, `${JSON.stringify(output, null, 2)}\n`);
  // Kept lookup figures were measured by an earlier run: not shown as this run's.
  printTable(results, { ...(cli as unknown as Record<string, number>), ...(values['skip-lookup'] ? {} : (lookup.figures as Record<string, number>)), ...(imported?.figures ?? {}), ...(pushed?.figures ?? {}) });
  log(`results written to ${RESULTS_FILE} (${Math.round((Date.now() - startedAt) / 1000)} s in all)`);
  if (results.some((r) => 'error' in r) || imported?.note || pushed?.note) process.exitCode = 1;
}

main().catch((error: unknown) => {
  log(`benchmark failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
});
