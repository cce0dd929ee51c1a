// Keeps a connection's request rate under the CRM's published limit instead of running into it:
// a sliding log per window, exact like the CRMs' own rolling windows. A request counts from when
// its answer arrived (the latest instant the server can have counted it), so however late a
// request leaves this process, the server never sees more than `limit` in one window.

export interface RateWindow {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
}

export class Pacer {
  /** When the answers of recent requests arrived, oldest first. */
  private readonly finished: number[] = [];
  private inFlight = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly window: RateWindow,
    /** Slack for clocks that tick slightly differently here and at the server. */
    private readonly marginMs = 50,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** How long a request starting now would have to wait (Infinity: until one in flight ends). */
  waitTime(): number {
    const span = this.window.windowMs + this.marginMs;
    const now = this.now();
    while (this.finished.length > 0 && now - this.finished[0]! >= span) this.finished.shift();
    const used = this.finished.length + this.inFlight;
    if (used < this.window.limit) return 0;
    // The request that must leave the window before another may start.
    const leaving = used - this.window.limit;
    return leaving < this.finished.length ? this.finished[leaving]! + span - now : Number.POSITIVE_INFINITY;
  }

  /**
   * Resolves when a request may start, with the function to call once its answer (or error) has
   * arrived. Callers are served in order.
   */
  acquire(): Promise<() => void> {
    const turn = this.queue.then(async () => {
      for (let wait = this.waitTime(); wait > 0; wait = this.waitTime()) {
        await this.sleep(Number.isFinite(wait) ? wait : 10);
      }
      this.inFlight += 1;
    });
    this.queue = turn.catch(() => {});
    return turn.then(() => {
      let released = false;
      return () => {
        if (released) return;
        released = true;
        this.inFlight -= 1;
        this.finished.push(this.now());
      };
    });
  }
}
