/** Order statistics for the tables (linear interpolation between closest ranks). */

/** The q-quantile (0..1) of `values`; NaN for an empty list. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const lowValue = sorted[low]!;
  return lowValue + (sorted[high]! - lowValue) * (position - low);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** Saving in percent of `outBytes` against `inBytes` (negative when bigger). */
export function savedPercent(inBytes: number, outBytes: number): number {
  return inBytes === 0 ? 0 : (1 - outBytes / inBytes) * 100;
}
