/** `--<name> N` on the command line of a load benchmark (bench:api, bench:webhooks, bench:soak). */

/**
 * The positive number after `--<name>`, else `fallback`.
 * @throws Error naming the option when its value is not a positive number
 */
export function positiveNumberOption(name: string, fallback: number): number {
  const value = numberAfter(name, fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} expects a positive number`);
  return value;
}

/**
 * The positive whole number after `--<name>`, else `fallback`.
 * @throws Error naming the option when its value is not a positive whole number
 */
export function wholeNumberOption(name: string, fallback: number): number {
  const value = numberAfter(name, fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} expects a positive whole number`);
  return value;
}

function numberAfter(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}
