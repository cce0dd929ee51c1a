// How levels are spread over the VIP list, and a warning when one level holds more than the rules
// file allows: "everything can't be highest priority".
import { MAX_VIP_LEVEL, MIN_VIP_LEVEL } from './level.js';

export interface LevelDistribution {
  /** People with a level (VIPs). */
  vips: number;
  /** Everyone in the list, VIP or not. */
  people: number;
  levels: { level: number; count: number; share: number; maxShare: number | null }[];
  warnings: string[];
}

export function levelDistribution(
  counts: Partial<Record<number, number>>,
  people: number,
  maxShare: Partial<Record<number, number>>,
  minVips = 0,
): LevelDistribution {
  const levels = [];
  for (let level = MAX_VIP_LEVEL; level >= MIN_VIP_LEVEL; level--) levels.push(level);
  const vips = levels.reduce((sum, level) => sum + (counts[level] ?? 0), 0);
  const rows = levels.map((level) => {
    const count = counts[level] ?? 0;
    return { level, count, share: vips === 0 ? 0 : count / vips, maxShare: maxShare[level] ?? null };
  });
  const warnings = rows
    .filter((r) => vips >= minVips && r.maxShare !== null && r.share > r.maxShare)
    .map((r) =>
      `level inflation: ${(r.share * 100).toFixed(1)}% of VIPs (${r.count} of ${vips}) are at level ${r.level}, ` +
        `more than the ${(r.maxShare! * 100).toFixed(1)}% the rules file allows; review the rules or the CRMs' explicit levels`,
    );
  return { vips, people, levels: rows, warnings };
}
