import { describe, expect, it, vi } from 'vitest';
import { Pacer } from '../crm/pacer.js';

/** A pacer on a fake clock: sleeping advances time instead of waiting. */
function fakePacer(limit: number, windowMs: number, marginMs = 0) {
  let now = 0;
  const pacer = new Pacer({ limit, windowMs }, marginMs, () => now, async (ms) => {
    now += ms;
  });
  return { pacer, clock: { get: () => now, advance: (ms: number) => (now += ms) } };
}

describe('Pacer', () => {
  describe('observe (what the server says of the window)', () => {
    /** Start times of `n` requests made one after another. */
    const starts = async (pacer: Pacer, clock: { get: () => number }, n: number) => {
      const at: number[] = [];
      for (let i = 0; i < n; i += 1) {
        (await pacer.acquire())();
        at.push(clock.get());
      }
      return at;
    };

    it('counts requests others made in the window: fewer remaining than this pacer thinks', async () => {
      const { pacer, clock } = fakePacer(10, 1000);
      (await pacer.acquire())();
      pacer.observe({ limit: 10, remaining: 2 });
      expect(await starts(pacer, clock, 3)).toEqual([0, 0, 1000]);
    });

    it('takes the server\'s limit when it is lower than the configured one', async () => {
      const { pacer, clock } = fakePacer(10, 1000);
      (await pacer.acquire())();
      pacer.observe({ limit: 3, remaining: 2 });
      expect(pacer.limit).toBe(3);
      expect(await starts(pacer, clock, 3)).toEqual([0, 0, 1000]);
    });

    it('takes the server\'s limit when it is higher', async () => {
      const { pacer, clock } = fakePacer(2, 1000);
      (await pacer.acquire())();
      pacer.observe({ limit: 5, remaining: 4 });
      expect(await starts(pacer, clock, 5)).toEqual([0, 0, 0, 0, 1000]);
    });

    it('never counts fewer requests than it made itself when the server counts fewer', async () => {
      const { pacer, clock } = fakePacer(3, 1000);
      (await pacer.acquire())();
      (await pacer.acquire())();
      pacer.observe({ limit: 3, remaining: 3 });
      expect(await starts(pacer, clock, 2)).toEqual([0, 1000]);
    });

    it('lets the requests of others leave the window like its own', async () => {
      const { pacer, clock } = fakePacer(4, 1000);
      (await pacer.acquire())();
      pacer.observe({ limit: 4, remaining: 0 });
      clock.advance(1000);
      expect(pacer.waitTime()).toBe(0);
    });

    it('ignores values that are not counts', async () => {
      const { pacer, clock } = fakePacer(2, 1000);
      for (const bad of [Number.NaN, -1, 1.5]) pacer.observe({ limit: bad, remaining: bad });
      expect(pacer.limit).toBe(2);
      expect(await starts(pacer, clock, 3)).toEqual([0, 0, 1000]);
    });
  });

  it('lets a full window of requests through at once, then spaces the rest by the window', async () => {
    const { pacer, clock } = fakePacer(3, 1000);
    const starts: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      const done = await pacer.acquire();
      starts.push(clock.get());
      done();
    }
    expect(starts).toEqual([0, 0, 0, 1000, 1000, 1000, 2000]);
  });

  it('never has more than `limit` requests counted in any window, however long they take', async () => {
    const { pacer, clock } = fakePacer(2, 1000);
    const answers: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const done = await pacer.acquire();
      clock.advance(300); // the request takes 300 ms; it counts from when its answer arrived
      answers.push(clock.get());
      done();
    }
    for (let i = 2; i < answers.length; i += 1) expect(answers[i]! - answers[i - 2]!).toBeGreaterThanOrEqual(1000);
  });

  it('counts requests still in flight against the limit', async () => {
    const { pacer } = fakePacer(2, 1000);
    await pacer.acquire();
    await pacer.acquire();
    expect(pacer.waitTime()).toBe(Number.POSITIVE_INFINITY);
  });

  it('adds the margin to the window', async () => {
    const { pacer, clock } = fakePacer(1, 1000, 50);
    (await pacer.acquire())();
    (await pacer.acquire())();
    expect(clock.get()).toBe(1050);
  });

  it('forgets requests older than the window', async () => {
    const { pacer, clock } = fakePacer(2, 1000);
    (await pacer.acquire())();
    (await pacer.acquire())();
    clock.advance(1000);
    expect(pacer.waitTime()).toBe(0);
  });

  it('serves waiting callers in the order they asked', async () => {
    let now = 0;
    const sleeps: (() => void)[] = [];
    const pacer = new Pacer({ limit: 1, windowMs: 100 }, 0, () => now, (ms) => new Promise<void>((r) => sleeps.push(() => {
      now += ms;
      r();
    })));
    const order: number[] = [];
    const first = await pacer.acquire();
    const second = pacer.acquire().then((done) => (order.push(2), done()));
    const third = pacer.acquire().then((done) => (order.push(3), done()));
    first();
    while (order.length < 2) {
      await new Promise((r) => setTimeout(r, 0));
      sleeps.shift()?.();
    }
    await Promise.all([second, third]);
    expect(order).toEqual([2, 3]);
  });

  describe('giving up a turn (abort signal)', () => {
    /** A pacer whose sleeps never end by themselves: only an abort ends a wait. */
    const stuckPacer = (limit: number) => new Pacer({ limit, windowMs: 1000 }, 0, () => 0, (_ms, signal) => new Promise<void>((resolve) => {
      signal?.addEventListener('abort', () => resolve(), { once: true });
    }));

    it('rejects with the reason when aborted while waiting for room, and takes no place in the window', async () => {
      const pacer = stuckPacer(1);
      const first = await pacer.acquire();
      const stop = new AbortController();
      const waiting = pacer.acquire(stop.signal);
      stop.abort(new Error('the ends met'));
      await expect(waiting).rejects.toThrow('the ends met');
      first();
      // One answer in the window (the first request's), none for the given-up one.
      expect(pacer.waitTime()).toBe(1000);
    });

    it('does not start a request whose signal was aborted before its turn', async () => {
      const pacer = stuckPacer(2);
      const stop = new AbortController();
      stop.abort(new Error('no longer wanted'));
      await expect(pacer.acquire(stop.signal)).rejects.toThrow('no longer wanted');
      (await pacer.acquire())();
      (await pacer.acquire())();
      expect(pacer.waitTime()).toBe(1000);
    });

    it('leaves no sleep timer running after a wait is given up (the default sleep)', async () => {
      vi.useFakeTimers();
      try {
        const pacer = new Pacer({ limit: 1, windowMs: 60_000 }, 0);
        (await pacer.acquire())();
        const stop = new AbortController();
        const waiting = pacer.acquire(stop.signal);
        await vi.advanceTimersByTimeAsync(1_000);
        expect(vi.getTimerCount()).toBe(1); // the wait for room in the window
        stop.abort(new Error('given up'));
        await expect(waiting).rejects.toThrow('given up');
        expect(vi.getTimerCount()).toBe(0);
      } finally {
        vi.useRealTimers();
      }
    });

    it('lets the callers behind a given-up turn go on', async () => {
      let now = 0;
      const pacer = new Pacer({ limit: 1, windowMs: 1000 }, 0, () => now, async (ms) => {
        now += ms;
      });
      const first = await pacer.acquire();
      const stop = new AbortController();
      const givenUp = pacer.acquire(stop.signal);
      stop.abort(new Error('given up'));
      first();
      await expect(givenUp).rejects.toThrow('given up');
      (await pacer.acquire())();
      expect(now).toBe(1000);
    });
  });
});
