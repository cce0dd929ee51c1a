// Deferrable work (VIP derivation) gives way to CRM walks running in the same worker.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { giveWay, SHARE_BESIDE_WALKS, walkRunning, walksRunning } from '../runtime/give-way.js';

/** Whether `promise` has settled once pending callbacks up to the next event-loop turn ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise<void>((resolve) => setImmediate(resolve));
  await new Promise<void>((resolve) => setImmediate(resolve));
  return done;
}

describe('giveWay', () => {
  beforeEach(() => {
    // Only timeouts are faked: with no walk running, giveWay waits for the (real) next turn.
    vi.useFakeTimers({ toFake: ['setTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('goes on at the next turn of the event loop when no walk runs', async () => {
    expect(walksRunning()).toBe(0);
    expect(await settled(giveWay(40))).toBe(true);
  });

  /** While a walk runs, giveWay(sliceMs) is still pending `pauseMs` - 1 ms on, and over at `pauseMs`. */
  async function expectPause(sliceMs: number, pauseMs: number) {
    const end = walkRunning();
    try {
      const pause = giveWay(sliceMs);
      expect(await settled(pause)).toBe(false);
      await vi.advanceTimersByTimeAsync(pauseMs - 1);
      expect(await settled(pause)).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(await settled(pause)).toBe(true);
    } finally {
      end();
    }
  }

  it('pauses three times the slice while a walk runs, keeping the work to a quarter of the thread', async () => {
    expect(SHARE_BESIDE_WALKS).toBe(0.25);
    await expectPause(2, 6);
  });

  it('pauses at least a millisecond after a slice too short to measure', async () => {
    await expectPause(0, 1);
  });

  it('counts each walk until it ends, and an end said twice counts once', async () => {
    const first = walkRunning();
    const second = walkRunning();
    expect(walksRunning()).toBe(2);
    first();
    first();
    expect(walksRunning()).toBe(1);
    expect(await settled(giveWay(1))).toBe(false);
    second();
    expect(walksRunning()).toBe(0);
    expect(await settled(giveWay(1))).toBe(true);
    await vi.runAllTimersAsync();
  });
});
