// Fetches a walk's pages ahead of the writer: the CRM is read while the previous pages are written.
import type { CrmWalkPage } from '../crm/types.js';

/**
 * Fetches a walk's pages one after another into a buffer, ahead of the writer. `take` waits for at
 * least one page and returns every page buffered (up to MAX_BATCH_RECORDS records); it returns
 * none when the walk is complete or `mayContinue` said stop. A fetch error is raised by `take`
 * only after the pages fetched before it were handed out, so their progress is kept.
 */
export class PageReader {
  private buffer: CrmWalkPage[] = [];
  private bufferedRecords = 0;
  private failure: unknown = null;
  private finished = false;
  private wake: (() => void) | null = null;
  private room: (() => void) | null = null;

  constructor(
    private readonly fetch: (position: string) => Promise<CrmWalkPage>,
    start: string,
    private readonly mayContinue: () => boolean,
  ) {
    void this.run(start);
  }

  private async run(start: string): Promise<void> {
    let position: string | null = start;
    try {
      while (position !== null) {
        while (this.bufferedRecords >= MAX_BATCH_RECORDS) await new Promise<void>((r) => (this.room = r));
        const page = await this.fetch(position);
        this.buffer.push(page);
        this.bufferedRecords += page.records.length + page.deletions.length;
        this.signal();
        position = page.next;
        if (!this.mayContinue()) break;
      }
    } catch (error) {
      this.failure = error;
    }
    this.finished = true;
    this.signal();
  }

  private signal(): void {
    this.wake?.();
    this.wake = null;
  }

  async take(): Promise<CrmWalkPage[]> {
    while (this.buffer.length === 0 && !this.finished) await new Promise<void>((r) => (this.wake = r));
    if (this.buffer.length === 0) {
      if (this.failure) throw this.failure;
      return [];
    }
    const batch: CrmWalkPage[] = [];
    let records = 0;
    while (this.buffer.length > 0 && (batch.length === 0 || records + this.buffer[0]!.records.length <= MAX_BATCH_RECORDS)) {
      const page = this.buffer.shift()!;
      records += page.records.length + page.deletions.length;
      batch.push(page);
    }
    this.bufferedRecords -= records;
    this.room?.();
    this.room = null;
    return batch;
  }
}

/**
 * The most records written in one transaction (several pages' worth when the CRM is fast; a
 * bigger page is written alone), and how many may wait for the writer before a walk stops fetching
 * ahead: a walk holds a batch being written and up to this many records plus one page. 2,000 (one
 * Salesforce query batch) walks as fast as 5,000 in less memory (bench/README.md).
 */
export const MAX_BATCH_RECORDS = 2_000;
