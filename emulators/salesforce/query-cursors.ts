// Query locators: the server-side cursors behind nextRecordsUrl. The batch offset lives in the URL
// ("01g...-2000"), so fetching the same URL twice (a client retrying after a lost response) returns
// the same batch instead of skipping one.
import { randomBytes } from 'node:crypto';
import type { QueryResult } from './query-engine.js';

interface Cursor {
  result: QueryResult;
  batchSize: number;
  lastUsed: number;
}

/** Salesforce lets a user keep only a handful of cursors open; old ones are reclaimed. */
const MAX_OPEN_CURSORS = 100;
const IDLE_EXPIRY_MS = 15 * 60 * 1000;

export class QueryCursors {
  private readonly cursors = new Map<string, Cursor>();

  open(result: QueryResult, batchSize: number): string {
    this.reclaim();
    const id = `01g${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12)}AAA`;
    this.cursors.set(id, { result, batchSize, lastUsed: Date.now() });
    return id;
  }

  /** Looks up "<cursorId>-<offset>"; undefined when unknown or expired. */
  resolve(locator: string): { cursorId: string; cursor: Cursor; offset: number } | undefined {
    const match = /^(01g\w+)-(\d+)$/.exec(locator);
    const cursor = match ? this.cursors.get(match[1]!) : undefined;
    if (!match || !cursor) return undefined;
    cursor.lastUsed = Date.now();
    return { cursorId: match[1]!, cursor, offset: Number(match[2]) };
  }

  clear(): void {
    this.cursors.clear();
  }

  private reclaim(): void {
    const now = Date.now();
    for (const [id, cursor] of this.cursors) if (now - cursor.lastUsed > IDLE_EXPIRY_MS) this.cursors.delete(id);
    while (this.cursors.size >= MAX_OPEN_CURSORS) this.cursors.delete(this.cursors.keys().next().value!);
  }
}
