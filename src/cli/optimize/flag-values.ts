/**
 * Turns the text of the transform flags of `squish optimize` (--resize, --convert, --preserve-meta)
 * into the loosely typed plan fields that parsePlan validates. These functions only reshape the
 * text; ranges, names of strategies, gravities and colours are checked by src/plan, so the CLI and
 * the HTTP API refuse the same values with the same messages.
 */
import type { ImageFormat, PlanInput } from '../../plan/index.js';
import { UsageError } from '../usage-error.js';

/**
 * Splits `a,b(c,d),e` at the commas outside parentheses, so that a colour such as
 * `rgb(0,0,0)` stays one item. Items are trimmed; empty items are dropped.
 */
export function splitList(value: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of value) {
    if (char === '(') depth++;
    else if (char === ')') depth = Math.max(0, depth - 1);
    if (char === ',' && depth === 0) {
      items.push(current);
      current = '';
    } else current += char;
  }
  items.push(current);
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

const RESIZE_KEYS = [
  'strategy',
  'width',
  'height',
  'size',
  'gravity',
  'x',
  'y',
  'scale',
  'background',
  'enhance',
] as const;
type ResizeKey = (typeof RESIZE_KEYS)[number];
const NUMERIC_KEYS: ReadonlySet<ResizeKey> = new Set(['width', 'height', 'size', 'x', 'y', 'scale']);

/**
 * A number when the text is one (so that parsePlan's integer checks apply to the number), else the
 * text itself (so that its message quotes what the user typed).
 */
function numberOrText(text: string): number | string {
  return /^[-+]?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

function isResizeKey(key: string): key is ResizeKey {
  return (RESIZE_KEYS as readonly string[]).includes(key);
}

/**
 * Parses `--resize strategy=fit,width=800,height=600[,gravity=..][,x=..,y=..][,scale=..][,size=..]
 * [,background=..][,enhance]` into a raw resize step. A bare first word is the strategy
 * (`fit,width=800,height=600`); a bare `enhance` means enhance=true. `x`/`y` make the crop
 * rectangle {x, y, width, height}.
 * @throws UsageError for an unknown or repeated key.
 */
export function parseResizeFlag(value: string): Record<string, unknown> {
  const raw: Partial<Record<ResizeKey, unknown>> = {};
  const items = splitList(value);
  items.forEach((item, index) => {
    const equals = item.indexOf('=');
    let key = (equals < 0 ? item : item.slice(0, equals)).trim().toLowerCase();
    let text = equals < 0 ? undefined : item.slice(equals + 1).trim();
    if (text === undefined) {
      if (key === 'enhance') text = 'true';
      else if (index === 0) {
        text = key;
        key = 'strategy';
      } else {
        throw new UsageError(
          `--resize: expected key=value, but received "${item}" (keys: ${RESIZE_KEYS.join(', ')})`,
        );
      }
    }
    if (!isResizeKey(key)) {
      throw new UsageError(`--resize: unknown key "${key}" (expected one of ${RESIZE_KEYS.join(', ')})`);
    }
    if (key in raw) throw new UsageError(`--resize: "${key}" is given twice`);
    if (key === 'enhance') raw.enhance = text === 'true' ? true : text === 'false' ? false : text;
    else raw[key] = NUMERIC_KEYS.has(key) ? numberOrText(text) : text;
  });

  const { x, y, ...step } = raw;
  if (x === undefined && y === undefined) return step;
  // Kraken's crop rectangle: the top-left corner, and the width and height of the region.
  const { width, height, ...rest } = step;
  return { ...rest, rect: { x, y, width, height } };
}

/** Names users type for formats that are not the plan's own names. */
const FORMAT_ALIASES: Record<string, ImageFormat> = { jpg: 'jpeg' };

/**
 * Parses `--convert webp` or `--convert avif,webp` (the smallest of these); names are
 * case-insensitive and `jpg` means jpeg. Unknown names are left for parsePlan to refuse.
 */
export function parseConvertFlag(value: string): PlanInput['format'] {
  const formats = splitList(value).map((name) => {
    const lower = name.toLowerCase();
    return (FORMAT_ALIASES[lower] ?? lower) as ImageFormat;
  });
  return formats.length === 1 ? formats[0] : formats;
}

/** The metadata groups of --preserve-meta, with the plan's name of each. */
const META_GROUPS = {
  profile: 'icc',
  date: 'date',
  copyright: 'copyright',
  geotag: 'geotag',
  orientation: 'orientation',
} as const;

/**
 * Parses `--preserve-meta copyright,geotag` into the plan's `keep`: exactly the named groups are
 * kept, every other one is stripped (`profile` is the ICC profile). `none` keeps nothing.
 * @throws UsageError naming the unknown group.
 */
export function parsePreserveMetaFlag(value: string): Required<NonNullable<PlanInput['keep']>> {
  const keep = { icc: false, orientation: false, date: false, copyright: false, geotag: false };
  const names = splitList(value).map((name) => name.toLowerCase());
  const expected = `a comma-separated list of ${Object.keys(META_GROUPS).join(', ')}, or none`;
  if (names.length === 0) {
    throw new UsageError(`--preserve-meta: expected ${expected}, but received "${value}"`);
  }
  if (names.length === 1 && names[0] === 'none') return keep;
  for (const name of names) {
    if (!(name in META_GROUPS)) {
      throw new UsageError(`--preserve-meta: expected ${expected}, but received "${name}"`);
    }
    keep[META_GROUPS[name as keyof typeof META_GROUPS]] = true;
  }
  return keep;
}
