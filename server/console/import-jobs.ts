// The import wizard's uploads and running imports, kept in this server process's memory for an
// hour: the file's bytes between upload, review and confirm, then the import's progress and
// report. Each belongs to the token that uploaded it; no other session can see or run it.
import { randomBytes } from 'node:crypto';
import type { ImportReport } from '../../admin/csv-import.js';
import type { CsvField } from '../../admin/csv-columns.js';

export interface ImportJob {
  id: string;
  tokenName: string;
  file: string;
  bytes: Buffer;
  header: string[];
  map: Record<string, CsvField | null> | null;
  state: 'uploaded' | 'checking' | 'writing' | 'done' | 'failed';
  /** Rows checked (while checking) or written (while writing), of `total` when known. */
  done: number;
  total: number | null;
  report: ImportReport | null;
  error: string | null;
  createdAt: number;
}

const KEEP_MS = 60 * 60 * 1000;
/** Uploads one process keeps at once (each up to 50 MB): the oldest finished ones go first. */
const MAX_JOBS = 20;

export class ImportJobs {
  private readonly jobs = new Map<string, ImportJob>();

  create(tokenName: string, file: string, bytes: Buffer, header: string[]): ImportJob {
    this.prune();
    const job: ImportJob = {
      id: randomBytes(12).toString('base64url'), tokenName, file, bytes, header, map: null, state: 'uploaded',
      done: 0, total: null, report: null, error: null, createdAt: Date.now(),
    };
    this.jobs.set(job.id, job);
    return job;
  }

  /** The job, if it exists and belongs to this token. */
  get(id: string, tokenName: string): ImportJob | null {
    const job = this.jobs.get(id);
    return job && job.tokenName === tokenName ? job : null;
  }

  private prune(): void {
    const now = Date.now();
    for (const [id, job] of this.jobs) {
      const running = job.state === 'checking' || job.state === 'writing';
      if (!running && now - job.createdAt > KEEP_MS) this.jobs.delete(id);
    }
    const finished = [...this.jobs.values()].filter((j) => j.state !== 'checking' && j.state !== 'writing').sort((a, b) => a.createdAt - b.createdAt);
    while (this.jobs.size >= MAX_JOBS && finished.length > 0) this.jobs.delete(finished.shift()!.id);
  }
}
