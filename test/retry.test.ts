import { describe, expect, it } from 'vitest';
import { Pacer } from '../crm/pacer.js';
import { callWithRetry } from '../crm/retry.js';
import type { CrmCallStats } from '../crm/types.js';

const retryAll = () => ({ kind: 'retry' as const, message: 'unavailable' });

describe('callWithRetry with an abort signal', () => {
  it('gives a call up while it waits for the pacer: never sent, not retried, not counted', async () => {
    // One request in flight fills the window; the second waits for its answer.
    const pacer = new Pacer({ limit: 1, windowMs: 60_000 }, 0);
    const inFlight = await pacer.acquire();
    const stats: CrmCallStats = { apiCalls: 0, tokenRequests: 0, http429: 0, retries: 0 };
    const stop = new AbortController();
    let sent = 0;
    const call = callWithRetry(async () => (sent += 1), { connectionId: 'c', what: 'search', stats, classify: retryAll, pacer, signal: stop.signal });
    setTimeout(() => stop.abort(new Error('no longer wanted')), 20);
    await expect(call).rejects.toThrow('no longer wanted');
    expect(sent).toBe(0);
    expect(stats).toEqual({ apiCalls: 0, tokenRequests: 0, http429: 0, retries: 0 });
    inFlight();
  });

  it('a signal that is never aborted changes nothing', async () => {
    const stats: CrmCallStats = { apiCalls: 0, tokenRequests: 0, http429: 0, retries: 0 };
    let attempts = 0;
    const result = await callWithRetry(async () => {
      attempts += 1;
      if (attempts < 2) throw new Error('flaky');
      return 'ok';
    }, { connectionId: 'c', what: 'list', stats, classify: retryAll, pacer: new Pacer({ limit: 10, windowMs: 1000 }), signal: new AbortController().signal });
    expect(result).toBe('ok');
    expect(stats).toMatchObject({ apiCalls: 2, retries: 1 });
  });
});
