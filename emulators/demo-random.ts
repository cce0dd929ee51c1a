// Seeded randomness for the demo data: an independent stream per (seed, kind of record, index), so
// any record can be drawn alone, and the picks and audit stamps drawn from one.

const START_MS = Date.UTC(2025, 0, 1);
// Fixed (the data is deterministic) and in the past, so an incremental sync right after a full one
// has nothing newer than its watermark to read.
const END_MS = Date.UTC(2026, 5, 30, 23, 59, 59);

export interface Timestamps {
  createdMs: number;
  updatedMs: number;
}

/** Created between 2025 and mid-2026, modified after that but still before END_MS. */
export function timestamps(random: () => number): Timestamps {
  const createdMs = START_MS + Math.floor(random() * (END_MS - START_MS) * 0.8);
  const updatedMs = createdMs + Math.floor(random() * (END_MS - createdMs));
  return { createdMs, updatedMs };
}

/** mulberry32: tiny, fast and good enough for test data. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An independent stream per (seed, kind of record, index), so records can be made in any order. */
export function randomFor(seed: number, stream: number, index: number): () => number {
  let hash = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream, 0xc2b2ae35) ^ Math.imul(index + 1, 0x27d4eb2f);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return mulberry32(hash ^ (hash >>> 16));
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}
