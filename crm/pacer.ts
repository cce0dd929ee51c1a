// Keeps a connection's request rate under the CRM's published limit instead of running into it:
// a sliding log per window, exact like the CRMs' own rolling windows. A request counts from when
// its answer arrived (the latest instant the server can have counted it), so however late a
// request leaves this process, the server never sees more than `limit` in one window.

export interface RateWindow {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
}

/** Resolves after `ms`, or at once when `signal` is aborted: then no timer is left running. */
function sleepUntilAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const end = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', end);
      resolve();
    };
    const timer = setTimeout(end, ms);
    signal?.addEventListener('abort', end, { once: true });
  });
}

export class Pacer {
  /** When the answers of recent requests arrived, oldest first. */
  private readonly finished: number[] = [];
  private inFlight = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly window: RateWindow;

  constructor(
    window: RateWindow,
    /**
     * Slack for the millisecond rounding of both clocks. The answer arrives after the server
     * counted the request, so no more is needed; each millisecond here is a request's share of
     * the window (50 ms held search to 5 calls per 1,050 ms, ~4% fewer than per 1,005).
     */
    private readonly marginMs = 5,
    private readonly now: () => number = Date.now,
    /** Sleeps `ms`, or until `signal` is aborted (the default clears its timer then). */
    private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void> = sleepUntilAborted,
  ) {
    this.window = { ...window };
  }

  get limit(): number {
    return this.window.limit;
  }

  /** The window's steady pace: milliseconds per request when requests are spread evenly. */
  get steadyIntervalMs(): number {
    return this.window.windowMs / this.window.limit;
  }

  /**
   * What the server said of the window after an answer (HubSpot's X-HubSpot-RateLimit-Max and
   * -Remaining). Its limit replaces the configured one (the app's real tier), and when it counts
   * more requests in the window than this pacer does (other apps of the same account share the
   * limit), the difference is counted too, from now until a window has passed.
   */
  observe(server: { limit?: number; remaining?: number }): void {
    if (server.limit !== undefined && Number.isInteger(server.limit) && server.limit > 0) this.window.limit = server.limit;
    if (server.remaining === undefined || !Number.isInteger(server.remaining) || server.remaining < 0) return;
    this.waitTime(); // drops answers that have left the window
    const serverUsed = this.window.limit - server.remaining;
    const now = this.now();
    for (let used = this.finished.length + this.inFlight; used < serverUsed; used++) this.finished.push(now);
  }

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
   * arrived. Callers are served in order. Aborting `signal` while the caller waits for its turn or
   * for room in the window gives up the turn (rejecting with the signal's reason): a request no
   * longer wanted takes no place in the window.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    const turn = this.queue.then(async () => {
      for (let wait = this.waitTime(); wait > 0 && !signal?.aborted; wait = this.waitTime()) {
        await this.sleep(Number.isFinite(wait) ? wait : 10, signal);
      }
      if (signal?.aborted) return false;
      this.inFlight += 1;
      return true;
    });
    this.queue = turn.then(() => {}, () => {});
    return turn.then((granted) => {
      if (!granted) throw signal!.reason;
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
