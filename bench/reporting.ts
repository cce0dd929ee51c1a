// How the benchmark reports: the progress log and how durations, figures and dataset sizes are
// written. Every bench module uses them, so this file imports none of them.
export type Log = (msg: string) => void;

export function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function formatSize(contacts: number): string {
  if (contacts >= 1_000_000 && contacts % 1_000_000 === 0) return `${contacts / 1_000_000}M`;
  if (contacts >= 1_000 && contacts % 1_000 === 0) return `${contacts / 1_000}k`;
  return String(contacts);
}
