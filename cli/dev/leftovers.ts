// What a dev stack whose supervisor died (SIGKILL, a crash, a reboot of the terminal) leaves
// running: PostgreSQL and the Temporal server are processes of their own and outlive it. They are
// found from the files they hold (PostgreSQL's postmaster.pid, the Temporal server's --db-filename),
// not from state.json alone, so a lost or older state file still finds them, and a pid reused by
// an unrelated process is never taken for one of them.
import { postgresRunningIn, stopPostgresByDataDir } from '../stack/postgres.js';
import { stopTemporalServersOn, temporalServersOn } from '../stack/temporal.js';
import { postgresDataDir, temporalDbFile, type StackProcess } from './state.js';

/** The dev stack's PostgreSQL and Temporal servers that are running (call it when the supervisor is not). */
export async function findLeftovers(): Promise<StackProcess[]> {
  const found: StackProcess[] = [];
  const postgres = await postgresRunningIn(postgresDataDir());
  if (postgres) found.push({ what: 'postgres', pid: postgres.pid, port: postgres.port, dataDir: postgresDataDir() });
  for (const server of await temporalServersOn(temporalDbFile())) {
    found.push({ what: 'temporal', pid: server.pid, port: server.port, dbFile: server.dbFile });
  }
  return found;
}

/** Stops them all: PostgreSQL with a fast shutdown, Temporal with SIGTERM (SIGKILL after 10 s). */
export async function stopLeftovers(log: (msg: string) => void): Promise<StackProcess[]> {
  const found = await findLeftovers();
  await Promise.all([stopPostgresByDataDir(postgresDataDir(), log), stopTemporalServersOn(temporalDbFile(), log)]);
  return found;
}

export function describeProcess(p: StackProcess): string {
  const port = p.port ? `, port ${p.port}` : '';
  return p.what === 'postgres'
    ? `PostgreSQL (pid ${p.pid}${port}, data ${p.dataDir ?? '-'})`
    : `Temporal (pid ${p.pid}${port}, SQLite file ${p.dbFile ?? '-'})`;
}
