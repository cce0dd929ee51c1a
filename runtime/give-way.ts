// Work that can wait (deriving the VIP list) gives way to CRM walks running in the same worker. A
// walk's requests are paced to the CRM's rate limit: an answer handled late leaves room in the
// limit's window unused, and that room is lost for good, while a derivation that ends a little
// later loses nothing. The 1M benchmark's rate-limited phase (one worker, two cores, a CPU
// profile and a call trace): once the Salesforce walk was done its derivation took ~42% of the
// worker's main thread, which was then idle 2-7% of the time while HubSpot was still being walked;
// answers were handled 200-340 ms late (event-loop delay p99), page writes took 2-3.5 s instead of
// ~0.5, and the walk used 104-138 of the 190 calls allowed in ten seconds. Giving way, the same
// phase without the profiler: HubSpot page writes 710 ms on average instead of 849, time the walk
// waited for its writer 6.5 s instead of 8.5; a Salesforce derivation ends later instead.

let walks = 0;

/** Marks a walk as running in this worker until the function returned is called (once is enough). */
export function walkRunning(): () => void {
  walks += 1;
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    walks -= 1;
  };
}

/** How many walks are running in this worker. */
export function walksRunning(): number {
  return walks;
}

/** The share of the thread deferrable work keeps to while a walk runs. */
export const SHARE_BESIDE_WALKS = 0.25;

/**
 * Called between two slices of deferrable work, the last of which took `sliceMs`: resolves on the
 * event loop's next turn when no walk runs, otherwise after a pause that holds the work to
 * SHARE_BESIDE_WALKS of the thread (a 2 ms slice, then 6 ms for everything else).
 */
export function giveWay(sliceMs: number): Promise<void> {
  if (walks === 0) return new Promise((resolve) => setImmediate(resolve));
  const pauseMs = Math.max(1, Math.round((sliceMs * (1 - SHARE_BESIDE_WALKS)) / SHARE_BESIDE_WALKS));
  return new Promise((resolve) => setTimeout(resolve, pauseMs));
}
