/**
 * Conversions between record fields and portable column values, so that every store reads and
 * writes the same way on every dialect.
 */

/**
 * A number from an integer column. better-sqlite3 returns numbers; node-postgres returns `bigint`
 * columns as strings unless told otherwise, so this accepts both (byte counts and epoch
 * milliseconds stay far below 2^53).
 */
export function int(value: number | string | bigint): number {
  return typeof value === 'number' ? value : Number(value);
}

/** An optional integer column. */
export function intOrNull(value: number | string | bigint | null): number | null {
  return value === null ? null : int(value);
}

/** A time as stored: epoch milliseconds. */
export function toMs(date: Date): number {
  return date.getTime();
}

export function fromMs(value: number | string | bigint): Date {
  return new Date(int(value));
}

/** The UTC day (YYYY-MM-DD) of a time: the key of usage rows. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Splits a list so that one statement never exceeds the bound-parameter limits of either dialect. */
export function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}
