// The one logger: pino, JSON to stderr (or a file: sendLogsTo), level from VIPSYNC_LOG_LEVEL.
// The Temporal SDK's own log lines go through it too.
import { DefaultLogger, type LogLevel } from '@temporalio/worker';
import { pino } from 'pino';

// stderr, unless a command that talks to people sends the lines to a file instead (sendLogsTo).
let destination: pino.DestinationStream = pino.destination(2);

export const logger = pino(
  { name: 'vipsync', level: process.env.VIPSYNC_LOG_LEVEL ?? 'info' },
  { write: (line: string) => destination.write(line) },
);

/**
 * From now on every log line, the Temporal SDK's included, is appended to `file` instead of going
 * to stderr: the demo runs the worker in its own process and keeps its terminal output human.
 */
export function sendLogsTo(file: string): void {
  destination = pino.destination({ dest: file, append: true, mkdir: true, sync: true });
}

export type Logger = typeof logger;

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** A Temporal Runtime logger that writes through pino, from `level` up. */
export function temporalLogger(level: LogLevel = 'WARN'): DefaultLogger {
  const child = logger.child({ component: 'temporal' });
  return new DefaultLogger(level, ({ level: entryLevel, message, meta }) => {
    child[PINO_LEVEL[entryLevel]](meta ?? {}, message);
  });
}
