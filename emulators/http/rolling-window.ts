// A rolling (sliding) window counter, because HubSpot's ten-secondly limit rolls: a burst at the end of
// one window still counts at the start of the next, unlike a fixed bucket that resets every 10 s.

export interface WindowDecision {
  allowed: boolean;
  /** Requests still allowed in the current window after this one. */
  remaining: number;
  /** When refused: how long until the oldest counted request leaves the window. */
  retryAfterMs: number;
}

export class RollingWindowLimiter {
  // Timestamps of accepted requests, oldest first; a ring buffer so a full window costs O(1).
  private readonly stamps: number[];
  private head = 0;
  private count = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    this.stamps = new Array<number>(Math.max(1, limit)).fill(0);
  }

  tryAcquire(now = Date.now()): WindowDecision {
    while (this.count > 0 && this.stamps[this.head]! <= now - this.windowMs) {
      this.head = (this.head + 1) % this.stamps.length;
      this.count--;
    }
    if (this.count >= this.limit) {
      const retryAfterMs = this.stamps[this.head]! + this.windowMs - now;
      return { allowed: false, remaining: 0, retryAfterMs: Math.max(1, retryAfterMs) };
    }
    this.stamps[(this.head + this.count) % this.stamps.length] = now;
    this.count++;
    return { allowed: true, remaining: this.limit - this.count, retryAfterMs: 0 };
  }
}
