// The one logger: pino, JSON to stderr, level from VIPSYNC_LOG_LEVEL.
import { pino } from 'pino';

export const logger = pino({
  name: 'vipsync',
  level: process.env.VIPSYNC_LOG_LEVEL ?? 'info',
}, pino.destination(2));

export type Logger = typeof logger;
