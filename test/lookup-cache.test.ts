// The lookup cache's rules (lookup/service.ts), with a hand-driven change feed: hits, shared
// loads for concurrent misses, and no stale answer surviving a write notified mid-load.
import { describe, expect, it } from 'vitest';
import type { ChangeFeed, ChangeListener } from '../db/change-feed.js';
import { LookupCache } from '../lookup/service.js';
import type { VipLookupResult } from '../workflows/contract.js';

function fakeFeed() {
  const listeners: ChangeListener[] = [];
  const feed = {
    healthy: true,
    subscribe: (_tables: string[], listener: ChangeListener) => void listeners.push(listener),
    close: async () => {},
    notify: (table: string) => listeners.forEach((l) => l(table)),
  };
  return feed satisfies ChangeFeed & { notify(table: string): void };
}

const answer = (email: string, level: number | null): VipLookupResult => ({
  email, isVip: level !== null, level: level as VipLookupResult['level'], levelReason: null, name: null, company: null, notes: null,
  validated: false, stale: false, staleReason: null, owner: null, handling: null, groups: [], handlingReason: null,
  phone: null, ambiguous: false, candidates: [], asOf: null, sources: [],
  contactNotes: [],
});

/** A load the test resolves by hand, counting how often it was started. */
function manualLoads() {
  const started: (() => void)[] = [];
  return {
    started,
    load: (email: string, level: number | null) => () => new Promise<VipLookupResult>((resolve) => started.push(() => resolve(answer(email, level)))),
  };
}

describe('LookupCache', () => {
  it('answers a repeated email from memory after the first load', async () => {
    const cache = new LookupCache(fakeFeed());
    let loads = 0;
    const load = async () => (loads += 1, answer('a@b.co', 3));
    await cache.getOrLoad('a@b.co', load);
    expect(await cache.getOrLoad('a@b.co', load)).toMatchObject({ level: 3 });
    expect(loads).toBe(1);
    expect(cache.size).toBe(1);
  });

  it('lets concurrent misses for one email share a single database read', async () => {
    const cache = new LookupCache(fakeFeed());
    const m = manualLoads();
    const waiting = Array.from({ length: 16 }, () => cache.getOrLoad('a@b.co', m.load('a@b.co', 5)));
    expect(m.started).toHaveLength(1);
    m.started[0]!();
    expect((await Promise.all(waiting)).every((a) => a.level === 5)).toBe(true);
    // Other emails are loaded on their own.
    const other = cache.getOrLoad('c@d.co', m.load('c@d.co', null));
    expect(m.started).toHaveLength(2);
    m.started[1]!();
    expect(await other).toMatchObject({ isVip: false });
  });

  it('does not hand a load that started before a notified write to callers who arrive after it, nor cache it', async () => {
    const feed = fakeFeed();
    const cache = new LookupCache(feed);
    const m = manualLoads();
    const before = cache.getOrLoad('a@b.co', m.load('a@b.co', 2));
    feed.notify('vips'); // a write committed while the first read was in flight
    const after = cache.getOrLoad('a@b.co', m.load('a@b.co', 4));
    expect(m.started).toHaveLength(2);
    m.started[0]!();
    m.started[1]!();
    expect(await before).toMatchObject({ level: 2 });
    expect(await after).toMatchObject({ level: 4 });
    // The cached answer is the one read after the write.
    expect(await cache.getOrLoad('a@b.co', async () => answer('a@b.co', 1))).toMatchObject({ level: 4 });
  });

  it('forgets everything on a notification and bypasses itself while the feed is down', async () => {
    const feed = fakeFeed();
    const cache = new LookupCache(feed);
    await cache.getOrLoad('a@b.co', async () => answer('a@b.co', 3));
    feed.notify('crm_contacts');
    expect(cache.size).toBe(0);
    feed.healthy = false;
    let loads = 0;
    const load = async () => (loads += 1, answer('a@b.co', 3));
    await cache.getOrLoad('a@b.co', load);
    await cache.getOrLoad('a@b.co', load);
    expect(loads).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('a failed load is not cached and the next caller tries again', async () => {
    const cache = new LookupCache(fakeFeed());
    await expect(cache.getOrLoad('a@b.co', async () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    expect(await cache.getOrLoad('a@b.co', async () => answer('a@b.co', 3))).toMatchObject({ level: 3 });
  });

  it('evicts the oldest entry beyond its size bound', async () => {
    const cache = new LookupCache(fakeFeed(), 2);
    for (const email of ['a@b.co', 'c@d.co', 'e@f.co']) await cache.getOrLoad(email, async () => answer(email, 1));
    expect(cache.size).toBe(2);
    let reloaded = false;
    await cache.getOrLoad('a@b.co', async () => (reloaded = true, answer('a@b.co', 1)));
    expect(reloaded).toBe(true);
  });
});
