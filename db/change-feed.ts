// Postgres LISTEN/NOTIFY on channel "vipsync_changes": statement-level triggers (migration
// 20261122030000_agents_admins; vip_contact_notes's in 20261206010000_contact_notes) send the
// changed table's name when a transaction that wrote vips, crm_contacts, vip_contact_notes or
// api_tokens commits. In-process caches subscribe and drop what they hold.
//
// While the listening connection is down a cache cannot know what changed, so the feed reports
// itself unhealthy (caches bypass themselves) and tells every subscriber "everything changed"
// when it reconnects.
import pg from 'pg';

export type ChangeListener = (table: string) => void;

export interface ChangeFeed {
  /** True while notifications are being received; caches must not serve entries otherwise. */
  readonly healthy: boolean;
  subscribe(tables: string[], listener: ChangeListener): void;
  close(): Promise<void>;
}

export const CHANGE_CHANNEL = 'vipsync_changes';
const EVERYTHING = '*';

export async function listenForChanges(
  databaseUrl: string,
  opts: { log?: (message: string) => void } = {},
): Promise<ChangeFeed> {
  const subscribers: { tables: Set<string>; listener: ChangeListener }[] = [];
  let client: pg.Client | null = null;
  let healthy = false;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;

  const emit = (table: string) => {
    for (const s of subscribers) if (table === EVERYTHING || s.tables.has(table)) s.listener(table);
  };

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: databaseUrl });
    c.on('notification', (message) => emit(message.payload ?? EVERYTHING));
    c.on('error', (error) => lost(c, error));
    c.on('end', () => lost(c, new Error('connection ended')));
    await c.connect();
    await c.query(`LISTEN ${CHANGE_CHANNEL}`);
    client = c;
    healthy = true;
    emit(EVERYTHING); // whatever happened while we were not listening
  };

  const lost = (c: pg.Client, error: Error) => {
    if (client !== c) return;
    client = null;
    healthy = false;
    emit(EVERYTHING);
    if (closed) return;
    opts.log?.(`change feed: lost its database connection (${error.message}); caches are bypassed until it reconnects`);
    c.end().catch(() => {});
    scheduleReconnect(1000);
  };

  const scheduleReconnect = (delayMs: number) => {
    retryTimer = setTimeout(() => {
      connect().catch((error: Error) => {
        opts.log?.(`change feed: reconnect failed (${error.message}); retrying`);
        scheduleReconnect(Math.min(delayMs * 2, 30_000));
      });
    }, delayMs);
    retryTimer.unref();
  };

  await connect();
  return {
    get healthy() {
      return healthy;
    },
    subscribe(tables, listener) {
      subscribers.push({ tables: new Set(tables), listener });
    },
    async close() {
      closed = true;
      healthy = false;
      clearTimeout(retryTimer);
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
