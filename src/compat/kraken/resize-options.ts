/**
 * Kraken's `resize` object (B1.5) as a plan resize step. The strategies have the same names and
 * meanings in the plan; what differs is the anchor (`crop_mode` letters -> gravity) and the
 * explicit crop rectangle (`x`, `y` with `width`, `height` -> rect).
 */
import { invalidOption } from '../../errors/index.js';
import { type Gravity, parseResize } from '../../plan/index.js';
import { integerish, isPlainObject, readFlag } from './lenient-values.js';

/** Kraken's crop_mode letters; every unknown value means centre, as Kraken documents. */
const CROP_MODES: Readonly<Record<string, Gravity>> = {
  c: 'center',
  n: 'north',
  t: 'north',
  s: 'south',
  b: 'south',
  e: 'east',
  r: 'east',
  w: 'west',
  l: 'west',
  ne: 'northeast',
  tr: 'northeast',
  nw: 'northwest',
  tl: 'northwest',
  se: 'southeast',
  br: 'southeast',
  sw: 'southwest',
  bl: 'southwest',
};

/** The gravity of a Kraken `crop_mode` value (centre for unknown values). */
export function cropModeToGravity(cropMode: unknown): Gravity {
  return CROP_MODES[String(cropMode).trim().toLowerCase()] ?? 'center';
}

/**
 * Validates one Kraken resize object and maps it onto the plan's resize step, in the unparsed
 * shape parsePlan takes (colours still strings): parsePlan parses its resize steps itself and
 * refuses an already-parsed colour object. Validated here first, so that messages name Kraken's
 * fields.
 * @param name the option's name in messages: `resize`, or `resize[2]` inside an image set.
 * @throws SquishError INVALID_OPTION naming the Kraken field.
 */
export function krakenResizeInput(raw: unknown, name: string): Record<string, unknown> {
  if (!isPlainObject(raw)) throw invalidOption(name, 'an object with a strategy', raw);
  const step: Record<string, unknown> = { strategy: raw.strategy };
  for (const key of ['width', 'height', 'size', 'scale'] as const) {
    if (raw[key] !== undefined && raw[key] !== null) step[key] = integerish(raw[key]);
  }
  if (raw.crop_mode !== undefined && raw.crop_mode !== null) step.gravity = cropModeToGravity(raw.crop_mode);
  if (raw.background !== undefined && raw.background !== null) step.background = raw.background;
  const enhance = readFlag(raw.enhance, `${name}.enhance`);
  if (enhance !== undefined) step.enhance = enhance;

  const hasOffset = (raw.x !== undefined && raw.x !== null) || (raw.y !== undefined && raw.y !== null);
  if (raw.strategy === 'crop' && hasOffset) {
    // An explicit rectangle: x/y are its top-left corner, width/height its size.
    const offset = (key: 'x' | 'y') => {
      const value = integerish(raw[key] ?? 0);
      if (!Number.isInteger(value) || (value as number) < 0) {
        throw invalidOption(`${name}.${key}`, 'a whole number of pixels, 0 or more', raw[key]);
      }
      return value as number;
    };
    const x = offset('x');
    const y = offset('y');
    if (step.width === undefined || step.height === undefined) {
      throw invalidOption(name, 'width and height with x and y for strategy crop', raw);
    }
    step.rect = { x, y, width: step.width, height: step.height };
  }
  parseResize(step, name);
  return step;
}
