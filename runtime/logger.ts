// The one logger: pino, JSON to stderr, level from VIPSYNC_LOG_LEVEL. The Temporal SDK's own log
// lines go through it too.
import { DefaultLogger, type LogLevel } from '@temporalio/worker';
import { pino } from 'pino';

export const logger = pino(
  { name: 'vipsync', level: process.env.VIPSYNC_LOG_LEVEL ?? 'info' },
  pino.destination(2),
);

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
