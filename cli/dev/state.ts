// Where the embedded dev stack keeps its state: one project-local folder (.vipsync/), so
// `dev down` can find and stop everything `dev up` started.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../runtime/build.js';

export function vipsyncHome(): string {
  return process.env.VIPSYNC_HOME ?? join(PROJECT_ROOT, '.vipsync');
}

export const devDir = () => join(vipsyncHome(), 'dev');
/** Installed tools (the Temporal CLI) are shared by every state folder of this checkout. */
export const toolsDir = () => join(PROJECT_ROOT, '.vipsync', 'tools');
export const stateFile = () => join(devDir(), 'state.json');
export const stackLogFile = () => join(devDir(), 'stack.log');
export const postgresDataDir = () => join(devDir(), 'postgres');
export const temporalDbFile = () => join(devDir(), 'temporal.db');

/** A server the supervisor started as a process of its own: what `dev down` must stop if the supervisor cannot. */
export interface StackProcess {
  what: 'postgres' | 'temporal';
  pid: number;
  port?: number;
  /** PostgreSQL's data directory. */
  dataDir?: string;
  /** Temporal's SQLite file. */
  dbFile?: string;
}

export interface DevStackState {
  status: 'starting' | 'ready' | 'failed';
  pid: number;
  startedAt: string;
  error?: string;
  databaseUrl?: string;
  temporalAddress?: string;
  temporalUiUrl?: string;
  /** Each CRM emulator's address, by the system of its provider (crm/registry.ts). */
  emulators?: Record<string, string>;
  connections?: string[];
  /** `vipsync serve` inside the stack: the HTTP API, and the browser console under /console. */
  apiUrl?: string;
  consoleUrl?: string;
  /** The connections whose push path the stack turned on (`vipsync doctor` reports them on). */
  pushConnections?: string[];
  workerEnv?: Record<string, string>;
  /** PostgreSQL and Temporal run as processes of their own (the emulators and the worker run in the supervisor). */
  processes?: StackProcess[];
}

export async function readDevState(): Promise<DevStackState | null> {
  try {
    return JSON.parse(await readFile(stateFile(), 'utf8')) as DevStackState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
