// Salesforce answers a query batch with fewer rows than asked for when it likes: "there's no
// guarantee that the requested batch size is the actual batch size" (REST API Developer Guide,
// Query Options Header; salesforce.md, "Behaviours a sync must survive"). A client that stops at a
// short batch instead of at done:true loses rows; this quirk makes the emulator answer that way.

/** Every batch at most `rows` rows, or a seeded pseudo-random 1..batch size rows each. */
export type ShortBatches = { rows: number } | { random: true; seed?: number };

export function checkedShortBatches(quirk: ShortBatches | null | undefined): ShortBatches | undefined {
  if (quirk === undefined || quirk === null) return undefined;
  if ('rows' in quirk && (!Number.isInteger(quirk.rows) || quirk.rows < 1)) {
    throw new Error(`shortBatches.rows must be a whole number of at least 1, got ${quirk.rows}`);
  }
  return quirk;
}

/**
 * How many rows the batch that starts at row `offset` answers, of `batchSize` asked for. Random
 * sizes follow from (seed, offset) alone, so a client fetching the same nextRecordsUrl twice (a
 * retry after a lost answer) gets the same batch, and a run is reproducible.
 */
export function batchLength(quirk: ShortBatches | undefined, batchSize: number, offset: number): number {
  if (!quirk) return batchSize;
  if ('rows' in quirk) return Math.min(batchSize, quirk.rows);
  return 1 + Math.floor(unitInterval(quirk.seed ?? 0, offset) * batchSize);
}

/** A number in [0, 1) that (seed, n) alone decide: a murmur3-style finaliser of both. */
function unitInterval(seed: number, n: number): number {
  let hash = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(n + 1, 0xc2b2ae35);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return ((hash ^ (hash >>> 16)) >>> 0) / 2 ** 32;
}
