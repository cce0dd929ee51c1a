// Work that can wait (deriving the VIP list) gives way to CRM walks running in the same worker. A
// walk's requests are paced to the CRM's rate limit: an answer handled late leaves room in the
// limit's window unused, and that room is lost for good, while a derivation that ends a little
// later loses nothing. (The measurements behind it: bench/README.md, "Give-way".)

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
