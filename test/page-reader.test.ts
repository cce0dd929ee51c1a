// How far a walk's pages are fetched ahead of its writer.
import { describe, expect, it } from 'vitest';
import type { CrmWalkPage } from '../crm/types.js';
import { MAX_BATCH_RECORDS, PageReader } from '../sync/page-reader.js';

function page(records: number, next: string | null): CrmWalkPage {
  return { records: Array.from({ length: records }, (_, i) => ({ crmId: String(i) })) as CrmWalkPage['records'], deletions: [], next, highWater: null };
}

/** Lets every pending callback run (the reader's fetch loop between two awaits). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/**
 * A reader over pages of `sizes` records, each pointing to the next; the CRM fails at the page
 * after the last. Records which positions it fetched.
 */
function readerOver(sizes: number[], mayContinue: () => boolean = () => true) {
  const fetched: string[] = [];
  const reader = new PageReader(async (position) => {
    fetched.push(position);
    const i = Number(position);
    if (sizes[i] === undefined) throw new Error(`the CRM failed at page ${i}`);
    return page(sizes[i], String(i + 1));
  }, '0', mayContinue);
  return { reader, fetched };
}

describe('PageReader', () => {
  it('buffers small pages up to MAX_BATCH_RECORDS records and hands them out as one batch', async () => {
    const small = MAX_BATCH_RECORDS / 4;
    const { reader, fetched } = readerOver(Array<number>(10).fill(small));
    await settle();
    // Four pages reach the limit; nothing more is fetched until the writer takes them.
    expect(fetched).toHaveLength(4);
    expect((await reader.take()).length).toBe(4);
    await settle();
    expect(fetched).toHaveLength(8);
    expect((await reader.take()).length).toBe(4);
    await settle();
    expect((await reader.take()).map((p) => p.next)).toEqual(['9', '10']);
  });

  it('holds one page bigger than the limit, and hands it out alone', async () => {
    const big = MAX_BATCH_RECORDS + 1_000;
    const { reader, fetched } = readerOver([big, big]);
    await settle();
    expect(fetched).toEqual(['0']);
    expect((await reader.take()).map((p) => p.records.length)).toEqual([big]);
    await settle();
    expect(fetched).toEqual(['0', '1']);
    expect((await reader.take()).map((p) => p.next)).toEqual(['2']);
  });

  it('hands out the pages fetched before a failure, then raises it', async () => {
    const { reader } = readerOver([10, 10]);
    await settle();
    expect((await reader.take()).map((p) => p.next)).toEqual(['1', '2']);
    await expect(reader.take()).rejects.toThrow('the CRM failed at page 2');
  });

  it('fetches nothing more once told to stop, and ends when the buffer is empty', async () => {
    let go = true;
    const { reader, fetched } = readerOver(Array<number>(10).fill(10), () => go);
    go = false;
    await settle();
    expect(fetched).toEqual(['0']);
    expect((await reader.take()).length).toBe(1);
    expect(await reader.take()).toEqual([]);
  });

  it('ends when the walk is complete', async () => {
    const fetched: string[] = [];
    const reader = new PageReader(async (position) => {
      fetched.push(position);
      return page(5, position === '0' ? '1' : null);
    }, '0', () => true);
    await settle();
    expect((await reader.take()).map((p) => p.next)).toEqual(['1', null]);
    expect(await reader.take()).toEqual([]);
    expect(fetched).toEqual(['0', '1']);
  });
});
