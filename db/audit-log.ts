// The audit log: who looked up, read or changed what, from which surface, when, and for which
// workflow execution. Changes are recorded in the same transaction as the change; lookups (the hot
// path) are queued and written in batches by an AuditWriter that never drops an entry without
// saying so in the log.
import { userInfo } from 'node:os';
import { bulkTransaction, type Db } from '../db/client.js';
import { jsonWithoutNul, textWithoutNul, valueWithoutNul } from '../db/pg-safe.js';
import { logger } from '../runtime/logger.js';

export type Surface = 'activity' | 'cli' | 'http' | 'mcp' | 'console';

export interface Actor {
  /** "alice" (OS user), "token:support-bot" (API token) or "workflow:triageInboundEmailWorkflow". */
  name: string;
  surface: Surface;
  workflowId?: string | null;
  runId?: string | null;
}

export interface AuditEntry {
  actor: Actor;
  action: string;
  subject?: string | null;
  details?: Record<string, unknown> | null;
  at?: Date;
}

/** Where the hot path records entries: returns at once, the entry is written shortly after. */
export interface AuditSink {
  record(entry: AuditEntry): void;
}

/** The OS user running this process: the actor of the CLI and of MCP over stdio. */
export function osActor(surface: Surface = 'cli'): Actor {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = process.env.USER ?? 'unknown';
  }
  return { name, surface };
}

export function tokenActor(tokenName: string, surface: Surface): Actor {
  return { name: `token:${tokenName}`, surface };
}

type AuditDb = Pick<Db, 'auditLog'>;

/** Writes one entry now (inside the caller's transaction when given one). */
export async function writeAudit(db: AuditDb, entry: AuditEntry): Promise<void> {
  await db.auditLog.create({ data: toRow(entry) });
}

function isDataError(error: unknown): boolean {
  // pg's errors carry the SQLSTATE as `code`; Prisma's put it in the message or meta.
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)) return true;
  const text = String((error as Error)?.message ?? '') + JSON.stringify((error as { meta?: unknown })?.meta ?? '');
  return /"code":"22[0-9A-Z]{3}"|Code: `22[0-9A-Z]{3}`/.test(text);
}

function toRow(entry: AuditEntry) {
  return {
    at: entry.at ?? new Date(),
    actor: textWithoutNul(entry.actor.name),
    surface: entry.actor.surface,
    action: entry.action,
    subject: entry.subject == null ? null : textWithoutNul(entry.subject),
    details: entry.details == null ? undefined : (valueWithoutNul(entry.details) as object),
    workflowId: entry.actor.workflowId ?? null,
    runId: entry.actor.runId ?? null,
  };
}

// A queued entry, ready to send: [at (epoch ms), actor, surface, action, subject, details,
// workflow id, run id]. The batch travels as one JSON array of these: JSON.stringify is native
// code, where binding eight text arrays would escape every element in JavaScript (at thousands of
// lookups a second that cost the server more CPU than the lookups themselves). Postgres reads it
// as jsonb, parsed once, where json would re-parse each element for every ->> (about 10 us a row).
type QueuedEntry = [number, string, string, string, string | null, Record<string, unknown> | null, string | null, string | null];

const INSERT_BATCH = `
INSERT INTO audit_log (at, actor, surface, action, subject, details, workflow_id, run_id)
SELECT to_timestamp((e->>0)::float8 / 1000), e->>1, e->>2, e->>3, e->>4,
       CASE WHEN jsonb_typeof(e->5) = 'null' THEN NULL ELSE e->5 END, e->>6, e->>7
FROM jsonb_array_elements($1::jsonb) AS e`;

function toQueued(entry: AuditEntry, now: number): QueuedEntry {
  const actor = entry.actor;
  return [
    entry.at ? entry.at.getTime() : now, textWithoutNul(actor.name), actor.surface, entry.action,
    entry.subject == null ? null : textWithoutNul(entry.subject), entry.details ?? null, actor.workflowId ?? null, actor.runId ?? null,
  ];
}

export interface AuditWriter extends AuditSink {
  /** Writes everything queued so far. */
  flush(): Promise<void>;
  /** Flushes and stops the timer; throws if entries could not be written. */
  close(): Promise<void>;
  readonly pending: number;
}

export function createAuditWriter(
  db: Db,
  opts: { flushIntervalMs?: number; maxBatch?: number; maxBuffered?: number } = {},
): AuditWriter {
  const flushIntervalMs = opts.flushIntervalMs ?? 200;
  const maxBatch = opts.maxBatch ?? 5000;
  const maxBuffered = opts.maxBuffered ?? 200_000;
  let queue: QueuedEntry[] = [];
  let inFlight: Promise<void> | null = null;
  let failures = 0;

  const writeBatch = async (batch: QueuedEntry[]) => {
    await bulkTransaction(db, (sql) => sql.query(INSERT_BATCH, [jsonWithoutNul(JSON.stringify(batch))]));
  };

  /** A batch Postgres refuses as data (SQLSTATE class 22) is retried row by row, so one bad row cannot block the rest. */
  const writeRowByRow = async (batch: QueuedEntry[]) => {
    for (const entry of batch) {
      try {
        await writeBatch([entry]);
      } catch (error) {
        if (!isDataError(error)) throw error;
        logger.error({ entry, error: (error as Error).message }, 'audit log: the database refuses this entry; it is DROPPED (logged here instead)');
      }
    }
  };

  const flushOnce = async () => {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      try {
        await writeBatch(batch).catch((error: unknown) => (isDataError(error) ? writeRowByRow(batch) : Promise.reject(error)));
        queue = queue.slice(batch.length);
        if (failures > 0) logger.warn({ failures }, 'audit log: writing works again');
        failures = 0;
      } catch (error) {
        failures += 1;
        if (failures === 1 || failures % 50 === 0) {
          logger.error({ error: (error as Error).message, pending: queue.length, failures }, 'audit log: cannot write entries; keeping them to retry');
        }
        if (queue.length > maxBuffered) {
          const dropped = queue.length - maxBuffered;
          queue = queue.slice(dropped);
          logger.error({ dropped }, 'audit log: buffer full, DROPPED the oldest entries');
        }
        throw error;
      }
    }
  };

  const flush = (): Promise<void> => {
    if (!inFlight) {
      inFlight = flushOnce().finally(() => {
        inFlight = null;
      });
    }
    return inFlight;
  };

  const timer = setInterval(() => {
    if (queue.length > 0) flush().catch(() => {}); // logged above; retried on the next tick
  }, flushIntervalMs);
  timer.unref();

  return {
    record(entry) {
      queue.push(toQueued(entry, Date.now()));
      if (queue.length >= maxBatch) flush().catch(() => {});
    },
    async flush() {
      // A flush already running may have started before the caller's entries were queued.
      while (inFlight) await inFlight.catch(() => {});
      await flush();
    },
    async close() {
      clearInterval(timer);
      for (let attempt = 0; ; attempt += 1) {
        try {
          while (inFlight) await inFlight.catch(() => {});
          await flush();
          return;
        } catch (error) {
          if (attempt >= 2) {
            logger.error({ lost: queue.length }, 'audit log: giving up at shutdown; these entries are LOST');
            throw new Error(`audit log: ${queue.length} entries could not be written: ${(error as Error).message}`);
          }
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    },
    get pending() {
      return queue.length;
    },
  };
}
