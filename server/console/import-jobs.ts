// The import wizard's uploads and running imports, in console_imports, so that every server
// process (serve --processes N) sees the same one: the file's bytes between upload, review and
// confirm, then the import's progress and report. Each belongs to the token that uploaded it; no
// other session can see or run it. Kept an hour.
import { randomBytes } from 'node:crypto';
import type { CsvField } from '../../admin/csv-columns.js';
import type { ImportReport } from '../../admin/csv-import.js';
import { Prisma, type Db } from '../../db/client.js';

export type ImportState = 'uploaded' | 'checking' | 'writing' | 'done' | 'failed';

export interface ImportJob {
  id: string;
  file: string;
  header: string[];
  map: Record<string, CsvField | null> | null;
  state: ImportState;
  /** Rows checked (while checking) or written (while writing), of `total` when known. */
  done: number;
  total: number | null;
  report: ImportReport | null;
  error: string | null;
}

const KEEP_MS = 60 * 60 * 1000;
/** A running import whose progress has not moved for this long died with its server process (nothing was written: one transaction). */
const STALLED_MS = 5 * 60 * 1000;
/** How often a running import writes its progress. */
const PROGRESS_EVERY_MS = 500;

const running = (state: string) => state === 'checking' || state === 'writing';

export class ImportJobs {
  constructor(private readonly db: Db) {}

  async create(tokenName: string, file: string, bytes: Buffer, header: string[]): Promise<ImportJob> {
    await this.db.consoleImport.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - KEEP_MS) } } });
    const token = await this.db.apiToken.findUniqueOrThrow({ where: { name: tokenName } });
    const row = await this.db.consoleImport.create({
      data: { id: randomBytes(12).toString('base64url'), tokenId: token.id, file, bytes: new Uint8Array(bytes), header },
      omit: { bytes: true },
    });
    return toJob(row);
  }

  /** The job, if it exists and belongs to this token. */
  async get(id: string, tokenName: string): Promise<ImportJob | null> {
    const row = await this.db.consoleImport.findFirst({ where: { id, token: { name: tokenName } }, omit: { bytes: true } });
    if (!row) return null;
    if (running(row.state) && Date.now() - row.updatedAt.getTime() > STALLED_MS) {
      return { ...toJob(row), state: 'failed', error: 'the server running this import stopped before it finished; nothing was written. Import the file again' };
    }
    return toJob(row);
  }

  async bytes(id: string): Promise<Buffer> {
    const row = await this.db.consoleImport.findUniqueOrThrow({ where: { id }, select: { bytes: true } });
    return Buffer.from(row.bytes);
  }

  async reviewed(id: string, map: Record<string, CsvField | null>): Promise<void> {
    await this.db.consoleImport.updateMany({ where: { id, state: 'uploaded' }, data: { columnMap: map, updatedAt: new Date() } });
  }

  /** Takes the reviewed job to run it; false when it was not reviewed or another request took it. */
  async claim(id: string): Promise<boolean> {
    const { count } = await this.db.consoleImport.updateMany({
      where: { id, state: 'uploaded', columnMap: { not: Prisma.DbNull } }, data: { state: 'checking', updatedAt: new Date() },
    });
    return count === 1;
  }

  /** Progress of a running job, written at most every PROGRESS_EVERY_MS (the last call of a phase always). */
  progress(id: string): (state: 'checking' | 'writing', done: number, total: number | null, force?: boolean) => void {
    let last = 0;
    return (state, done, total, force = false) => {
      const now = Date.now();
      if (!force && now - last < PROGRESS_EVERY_MS) return;
      last = now;
      // Only while it runs: a write that arrives after the job finished changes nothing.
      this.db.consoleImport.updateMany({ where: { id, state: { in: ['checking', 'writing'] } }, data: { state, done, total, updatedAt: new Date(now) } }).catch(() => {});
    };
  }

  async finish(id: string, outcome: { report: ImportReport } | { error: string }): Promise<void> {
    await this.db.consoleImport.update({
      where: { id },
      data: 'report' in outcome
        ? { state: 'done', report: JSON.parse(JSON.stringify(outcome.report)), done: outcome.report.valid, total: outcome.report.valid, bytes: new Uint8Array(0), updatedAt: new Date() }
        // The bytes are not needed once the import ran (or failed); the report stays for the page.
        : { state: 'failed', error: outcome.error, bytes: new Uint8Array(0), updatedAt: new Date() },
    });
  }
}

function toJob(row: { id: string; file: string; header: string[]; columnMap: unknown; state: string; done: number; total: number | null; report: unknown; error: string | null }): ImportJob {
  return {
    id: row.id, file: row.file, header: row.header, map: (row.columnMap ?? null) as ImportJob['map'], state: row.state as ImportState,
    done: row.done, total: row.total, report: (row.report ?? null) as ImportReport | null, error: row.error,
  };
}
