// The worker's log lines (pino JSON) are kept out of what the demo and `dev up` print, but not out
// of sight: they go to a log file, and the warnings among them are summarised in one line that
// says where that file is.
import { readFile, rename } from 'node:fs/promises';

/** Logged by design, not a sign of trouble: the lookup task queue's worker runs activities only. */
const EXPECTED = new Set(['No workflows registered, not polling for workflow tasks']);
const WARN = 40; // pino's level number for warn (error is 50)

interface LogEntry {
  level: number;
  msg?: string;
  activityType?: string;
  error?: { type?: string; message?: string };
}

/** The entry a log line holds, or undefined for a line that is not one of the worker's (pino JSON). */
export function parseLogLine(line: string): LogEntry | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as LogEntry;
    return typeof entry.level === 'number' ? entry : undefined;
  } catch {
    return undefined;
  }
}

export class WarningTally {
  private readonly counts = new Map<string, number>();

  add(entry: LogEntry): void {
    if (entry.level < WARN || (entry.msg !== undefined && EXPECTED.has(entry.msg))) return;
    const detail = [entry.activityType, entry.error?.type ?? entry.error?.message?.split('\n')[0]].filter(Boolean).join(': ');
    const what = `${entry.msg ?? 'a log entry'}${detail ? ` (${detail})` : ''}`;
    this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
  }

  /** One line, e.g. `worker: 1 warning: Activity failed (lookupVip: InvalidEmail); full log: FILE`. */
  summary(logFile: string): string | undefined {
    const total = [...this.counts.values()].reduce((a, b) => a + b, 0);
    if (total === 0) return undefined;
    const kinds = [...this.counts].map(([what, n]) => (n > 1 ? `${what} x${n}` : what)).join('; ');
    return `worker: ${total} warning${total > 1 ? 's' : ''}: ${kinds}; full log: ${logFile}`;
  }
}

export async function summariseLogFile(logFile: string): Promise<string | undefined> {
  const tally = new WarningTally();
  for (const line of (await readFile(logFile, 'utf8').catch(() => '')).split('\n')) {
    const entry = parseLogLine(line);
    if (entry) tally.add(entry);
  }
  return tally.summary(logFile);
}

/** Keeps the previous run's log as FILE.1 (one generation: enough to see why the last run ended). */
export async function keepPreviousLog(logFile: string): Promise<void> {
  await rename(logFile, `${logFile}.1`).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}
