import { invalidOption } from '../errors/index.js';
import { parseColour, type Rgba } from './colour.js';

/**
 * How an output is sized. The names and semantics are those users of image optimization services
 * know (Kraken's strategies); other APIs' modes map onto them in the compat layer.
 * - exact: stretch to width x height.
 * - portrait: fix the height, keep the aspect ratio; landscape: fix the width (this is what the
 *   official Kraken WordPress plugin sends: `landscape` with only a width, `portrait` with only a
 *   height). When only the other side is given, that side is used. Neither enlarges.
 * - auto: fit inside width x height keeping the aspect ratio; never enlarges.
 * - fit: cover width x height exactly: scale, then crop at `gravity` (or the most important region).
 * - crop: cut width x height at `gravity`, or the explicit `rect`, without scaling; then `scale` %.
 * - square: crop the longer side to a centred square, then resize to size x size.
 * - fill: fit inside width x height, pad the rest with `background`.
 * - none: keep the size (for image sets that want "just optimized").
 */
export const RESIZE_STRATEGIES = [
  'exact',
  'portrait',
  'landscape',
  'auto',
  'fit',
  'crop',
  'square',
  'fill',
  'none',
] as const;
export type ResizeStrategy = (typeof RESIZE_STRATEGIES)[number];

export const GRAVITIES = [
  'center',
  'north',
  'south',
  'east',
  'west',
  'northeast',
  'northwest',
  'southeast',
  'southwest',
] as const;
/** Content-aware anchors: libvips' attention (saliency: skin, saturation, edges) and entropy. */
export const SMART_GRAVITIES = ['attention', 'entropy'] as const;
export type Gravity = (typeof GRAVITIES)[number] | (typeof SMART_GRAVITIES)[number];

export interface CropRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ResizeStep {
  strategy: ResizeStrategy;
  width?: number;
  height?: number;
  /** Side of the square, for `square`. */
  size?: number;
  /** Anchor of the kept region, for `fit`, `crop` and `square` (default center). */
  gravity?: Gravity;
  /** Explicit region, for `crop`. */
  rect?: CropRect;
  /** Percent applied after `crop` (1 to 100). */
  scale?: number;
  /** Padding colour, for `fill` (default: the plan's background, else white). */
  background?: Rgba;
  /** Sharpen and denoise images enlarged beyond their size. */
  enhance?: boolean;
}

/** Largest dimension a plan may ask for; the engine's own limit may be lower. */
const MAX_SIDE = 65_535;

const NEEDS: Record<ResizeStrategy, 'width+height' | 'width|height' | 'size' | 'width+height|rect' | 'none'> =
  {
    exact: 'width+height',
    portrait: 'width|height',
    landscape: 'width|height',
    auto: 'width+height',
    fit: 'width+height',
    crop: 'width+height|rect',
    square: 'size',
    fill: 'width+height',
    none: 'none',
  };

/**
 * Validates one resize step from untrusted input.
 * @param name the option's name in messages, e.g. `resize` or `outputs[2].resize`.
 * @throws SquishError INVALID_OPTION.
 */
export function parseResize(input: unknown, name = 'resize'): ResizeStep {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalidOption(name, 'an object with a strategy', input);
  }
  const raw = input as Record<string, unknown>;
  const strategy = raw.strategy;
  if (!RESIZE_STRATEGIES.includes(strategy as ResizeStrategy)) {
    throw invalidOption(`${name}.strategy`, `one of ${RESIZE_STRATEGIES.join(', ')}`, strategy);
  }
  const step: ResizeStep = { strategy: strategy as ResizeStrategy };
  const side = (key: 'width' | 'height' | 'size') => {
    if (raw[key] === undefined) return undefined;
    const value = raw[key];
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_SIDE) {
      throw invalidOption(`${name}.${key}`, `an integer from 1 to ${MAX_SIDE}`, value);
    }
    return value as number;
  };
  const width = side('width');
  const height = side('height');
  const size = side('size');
  if (width !== undefined) step.width = width;
  if (height !== undefined) step.height = height;
  if (size !== undefined) step.size = size;

  if (raw.rect !== undefined) step.rect = parseRect(raw.rect, `${name}.rect`);
  const needs = NEEDS[step.strategy];
  const missing =
    (needs === 'width+height' && (width === undefined || height === undefined)) ||
    (needs === 'width|height' && width === undefined && height === undefined) ||
    (needs === 'size' && size === undefined) ||
    (needs === 'width+height|rect' &&
      step.rect === undefined &&
      (width === undefined || height === undefined));
  if (missing) {
    const what = {
      'width+height': 'both width and height',
      'width|height': 'a width or a height',
      size: 'a size',
      'width+height|rect': 'width and height, or a rect',
      none: '',
    }[needs];
    throw invalidOption(name, `${what} for strategy ${step.strategy}`, input);
  }

  if (raw.gravity !== undefined) {
    const all: readonly string[] = [...GRAVITIES, ...SMART_GRAVITIES];
    if (!all.includes(raw.gravity as string))
      throw invalidOption(`${name}.gravity`, `one of ${all.join(', ')}`, raw.gravity);
    step.gravity = raw.gravity as Gravity;
  }
  if (raw.scale !== undefined) {
    if (!Number.isInteger(raw.scale) || (raw.scale as number) < 1 || (raw.scale as number) > 100) {
      throw invalidOption(`${name}.scale`, 'an integer percentage from 1 to 100', raw.scale);
    }
    step.scale = raw.scale as number;
  }
  if (raw.background !== undefined) step.background = parseColour(raw.background, `${name}.background`);
  if (raw.enhance !== undefined) {
    if (typeof raw.enhance !== 'boolean') throw invalidOption(`${name}.enhance`, 'a boolean', raw.enhance);
    step.enhance = raw.enhance;
  }
  return step;
}

function parseRect(input: unknown, name: string): CropRect {
  if (typeof input !== 'object' || input === null)
    throw invalidOption(name, 'an object {x, y, width, height}', input);
  const raw = input as Record<string, unknown>;
  const rect = {} as CropRect;
  for (const key of ['x', 'y', 'width', 'height'] as const) {
    const min = key === 'x' || key === 'y' ? 0 : 1;
    const value = raw[key];
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > MAX_SIDE) {
      throw invalidOption(`${name}.${key}`, `an integer from ${min} to ${MAX_SIDE}`, value);
    }
    rect[key] = value as number;
  }
  return rect;
}
