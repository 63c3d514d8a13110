/**
 * Kraken's clients are written in many languages and some of them send numbers and flags as
 * strings (PHP form settings, the Magento plugin's url-encoded body). These helpers accept the
 * unambiguous spellings and leave anything else to the validator, which names the field.
 */
import { invalidOption } from '../../errors/index.js';

const TRUE = new Set<unknown>([true, 'true', 1, '1']);
const FALSE = new Set<unknown>([false, 'false', 0, '0']);

/**
 * A boolean option: `true`/`false`, `"true"`/`"false"`, `1`/`0`, `"1"`/`"0"`; undefined when absent.
 * @throws SquishError INVALID_OPTION naming `name` for anything else.
 */
export function readFlag(value: unknown, name: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw invalidOption(name, 'a boolean', value);
}

/** A whole number written as a decimal string becomes that number; anything else is returned as is. */
export function integerish(value: unknown): unknown {
  return typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;
}

/** A plain JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
