// A HubSpot Professional private app's limits: 190 calls per rolling 10 s, and search limited
// separately per second. The SDK's retry logic keys off the exact policyName / message below.
import { RollingWindowLimiter } from '../http/rolling-window.js';
import { hubSpotError } from './errors.js';

export interface HubSpotRateLimits {
  /** Data calls per rolling ten seconds (default 190). */
  perTenSeconds?: number;
  /** Search calls per rolling second (default 5). */
  searchPerSecond?: number;
}

const TEN_SECONDS_MS = 10_000;

export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
  body?: Record<string, unknown>;
}

export class HubSpotRateLimiter {
  private readonly data: RollingWindowLimiter | undefined;
  private readonly search: RollingWindowLimiter | undefined;

  constructor(limits: HubSpotRateLimits | false | undefined) {
    if (limits === false) return;
    this.data = new RollingWindowLimiter(limits?.perTenSeconds ?? 190, TEN_SECONDS_MS);
    this.search = new RollingWindowLimiter(limits?.searchPerSecond ?? 5, 1000);
  }

  /** Search responses carry no X-HubSpot-RateLimit-* headers, like the real API. */
  admitSearch(): RateDecision {
    if (!this.search) return { allowed: true, headers: {} };
    const decision = this.search.tryAcquire();
    if (decision.allowed) return { allowed: true, headers: {} };
    return {
      allowed: false,
      headers: { 'retry-after': String(Math.ceil(decision.retryAfterMs / 1000)) },
      body: hubSpotError('RATE_LIMITS', 'You have reached your secondly limit.', { errorType: 'RATE_LIMIT', policyName: 'SECONDLY' }),
    };
  }

  admitData(): RateDecision {
    if (!this.data) return { allowed: true, headers: {} };
    const decision = this.data.tryAcquire();
    const headers: Record<string, string> = {
      'x-hubspot-ratelimit-max': String(this.data.limit),
      'x-hubspot-ratelimit-remaining': String(decision.remaining),
      'x-hubspot-ratelimit-interval-milliseconds': String(TEN_SECONDS_MS),
    };
    if (decision.allowed) return { allowed: true, headers };
    headers['retry-after'] = String(Math.ceil(decision.retryAfterMs / 1000));
    return { allowed: false, headers, body: tenSecondlyLimitBody() };
  }
}

export function tenSecondlyLimitBody(): Record<string, unknown> {
  return hubSpotError('RATE_LIMITS', 'You have reached your ten_secondly_rolling limit.', {
    errorType: 'RATE_LIMIT',
    policyName: 'TEN_SECONDLY_ROLLING',
  });
}
