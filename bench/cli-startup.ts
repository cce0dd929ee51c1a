// How long a `vipsync` command takes as a whole process, from start to exit: `vipsync --help`, and
// `vipsync lookup EMAIL` against a database holding one VIP (what the dev stack's database would
// answer). Medians of repeated runs, through the `vipsync` command people run (bin/vipsync.js),
// and through the compiled build alone (node dist/cli/run.js), when there is one.
//   npx tsx bench/cli-startup.ts [--runs 15]      (also part of npm run bench)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startPostgres } from '../cli/stack/postgres.js';
import { createDb } from '../db/client.js';
import { applyMigrations } from '../prisma/migrate.js';

const REPO_DIR = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(REPO_DIR, 'bin/vipsync.js');
const COMPILED = join(REPO_DIR, 'dist/cli/run.js');
const log = (msg: string) => process.stderr.write(`[cli bench] ${msg}\n`);

export interface CliStartupFigures {
  /** `vipsync --help`, whole process, median (ms). */
  cliHelpMedianMs: number;
  /** `vipsync lookup EMAIL --json` against a database, whole process, median (ms). */
  cliLookupMedianMs: number;
  /** The same two through the compiled build alone (node dist/cli/run.js), when built. */
  cliHelpCompiledMedianMs?: number;
  cliLookupCompiledMedianMs?: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs a command `runs` times (after one untimed run that warms the file cache); the median wall time. */
function timed(args: string[], env: Record<string, string>, runs: number): number {
  const once = () => {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0) throw new Error(`${args.join(' ')} failed (exit ${result.status}): ${result.stderr.slice(-500)}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  once();
  return Math.round(median(Array.from({ length: runs }, once)));
}

export async function runCliStartupBench(opts: { runs?: number } = {}): Promise<CliStartupFigures> {
  const runs = opts.runs ?? 15;
  const dataDir = await mkdtemp(join(tmpdir(), 'vipsync-cli-bench-'));
  const postgres = await startPostgres({ dataDir, log });
  try {
    const databaseUrl = await postgres.createDatabase('cli_bench');
    await applyMigrations(databaseUrl);
    const db = createDb(databaseUrl);
    await db.vip.create({ data: { email: 'ceo@example.com', name: 'Ada Lovelace', level: 5, levelSource: 'manual', manualLevel: 5, source: 'manual' } });
    await db.$disconnect();
    const env = { DATABASE_URL: databaseUrl, VIPSYNC_HOME: dataDir };
    const lookup = ['lookup', 'ceo@example.com', '--json'];
    const figures: CliStartupFigures = {
      cliHelpMedianMs: timed([BIN, '--help'], env, runs),
      cliLookupMedianMs: timed([BIN, ...lookup], env, runs),
    };
    if (existsSync(COMPILED)) {
      figures.cliHelpCompiledMedianMs = timed([COMPILED, '--help'], env, runs);
      figures.cliLookupCompiledMedianMs = timed([COMPILED, ...lookup], env, runs);
    }
    log(`vipsync --help ${figures.cliHelpMedianMs} ms, vipsync lookup ${figures.cliLookupMedianMs} ms (medians of ${runs})`);
    return figures;
  } finally {
    await postgres.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } });
  console.log(JSON.stringify(await runCliStartupBench({ runs: Number(values.runs) }), null, 2));
}
