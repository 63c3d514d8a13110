/** Human-readable numbers for the CLI's tables and progress bar. */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** 1536 → "1.5 KB" (powers of 1024, one decimal above bytes); negative values keep their sign. */
export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${sign}${unit === 0 ? value : value.toFixed(1)} ${UNITS[unit]}`;
}

/** Share of `before` saved, "33.3 %"; "-" when nothing was measured. */
export function formatSavedPercent(before: number, after: number): string {
  if (before <= 0) return '-';
  return `${(((before - after) / before) * 100).toFixed(1)} %`;
}

/** 850 → "850 ms", 4200 → "4.2 s", 125000 → "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
