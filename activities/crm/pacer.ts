// Keeps a connection's request rate under the CRM's published limit instead of running into it:
// a sliding log of request start times per window, exact like the CRMs' own rolling windows.

export interface RateWindow {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
}

export class Pacer {
  private readonly starts: number[] = [];
  private queue: Promise<void> = Promise.resolve();

  /**
   * @param marginMs added to the window: a request sent just as the oldest one leaves our window
   *   may still reach the server inside its window, because network delays differ.
   */
  constructor(
    private readonly window: RateWindow,
    private readonly marginMs = 100,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** How long a request starting now would have to wait. */
  waitTime(): number {
    const span = this.window.windowMs + this.marginMs;
    const now = this.now();
    while (this.starts.length > 0 && now - this.starts[0]! >= span) this.starts.shift();
    if (this.starts.length < this.window.limit) return 0;
    return this.starts[this.starts.length - this.window.limit]! + span - now;
  }

  /** Resolves when a request may start, and records it. Callers are served in order. */
  acquire(): Promise<void> {
    const turn = this.queue.then(async () => {
      for (let wait = this.waitTime(); wait > 0; wait = this.waitTime()) await this.sleep(wait);
      this.starts.push(this.now());
    });
    this.queue = turn.catch(() => {});
    return turn;
  }
}
