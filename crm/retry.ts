// Retries inside one activity attempt: short waits for rate limits and hiccups, honouring the
// CRM's Retry-After. Longer outages are left to Temporal's retry policy.
import pRetry, { AbortError } from 'p-retry';
import { CrmConfigurationError, CrmUnavailableError } from './errors.js';
import type { Pacer } from './pacer.js';
import type { CrmCallStats } from './types.js';

export interface FailureVerdict {
  kind: 'retry' | 'configuration' | 'fatal';
  /** How long the CRM asked us to wait, if it said. */
  retryAfterMs?: number;
  rateLimited?: boolean;
  message: string;
}

export interface RetryOptions {
  connectionId: string;
  what: string;
  stats: CrmCallStats;
  classify: (error: unknown) => FailureVerdict;
  retries?: number;
  /** Waited on before every attempt, so retries respect the rate limit too. */
  pacer?: Pacer;
  /** Count the call as a token request rather than a data call. */
  tokenRequest?: boolean;
  /**
   * Gives the call up while it waits for the pacer (never once sent): the call then rejects with
   * the signal's reason, unretried.
   */
  signal?: AbortSignal;
}

/**
 * Runs `call` under the pacer, retrying what the CRM's answer allows. `call` may say when the
 * answer's status and headers have come in (`answered`): the server counted the request by then,
 * so its place in the pacer's window starts there instead of after the body has been read and
 * parsed (a search's 200 records: a few milliseconds of a one-second window).
 */
export async function callWithRetry<T>(call: (answered: () => void) => Promise<T>, opts: RetryOptions): Promise<T> {
  return pRetry(
    async () => {
      const answered = await opts.pacer?.acquire(opts.signal).catch((error: unknown) => {
        throw new AbortError(error instanceof Error ? error : new Error(String(error)));
      });
      if (opts.tokenRequest) opts.stats.tokenRequests += 1;
      else opts.stats.apiCalls += 1;
      try {
        const result = await call(() => answered?.());
        answered?.();
        return result;
      } catch (error) {
        answered?.();
        const verdict = opts.classify(error);
        if (verdict.rateLimited) opts.stats.http429 += 1;
        if (verdict.kind === 'configuration') {
          throw new AbortError(new CrmConfigurationError(opts.connectionId, `${opts.what}: ${verdict.message}`, { cause: error }));
        }
        if (verdict.kind === 'fatal') throw new AbortError(error instanceof Error ? error : new Error(verdict.message));
        if (verdict.retryAfterMs) await new Promise((r) => setTimeout(r, verdict.retryAfterMs));
        throw new CrmUnavailableError(opts.connectionId, `${opts.what}: ${verdict.message}`, { cause: error });
      }
    },
    {
      retries: opts.retries ?? 5,
      minTimeout: 250,
      maxTimeout: 10_000,
      randomize: true,
      onFailedAttempt: () => {
        opts.stats.retries += 1;
      },
    },
  );
}
