import colorString from 'color-string';
import { invalidOption } from '../errors/index.js';

/** An sRGB colour with 0-255 channels and alpha from 0 to 1. */
export interface Rgba {
  r: number;
  g: number;
  b: number;
  alpha: number;
}

export const WHITE: Readonly<Rgba> = Object.freeze({ r: 255, g: 255, b: 255, alpha: 1 });

const EXPECTED = 'a CSS colour (a name, #rgb, #rrggbb, rgb(r,g,b) or rgba(r,g,b,a))';

/**
 * Parses a CSS colour as users write them for backgrounds. An already parsed `Rgba` is accepted
 * too, so a stored plan (the job payload) validates again unchanged.
 * @throws SquishError INVALID_OPTION naming `option`.
 */
export function parseColour(value: unknown, option: string): Rgba {
  if (isRgba(value)) return { r: value.r, g: value.g, b: value.b, alpha: value.alpha };
  if (typeof value !== 'string') throw invalidOption(option, EXPECTED, value);
  const rgba = colorString.get.rgb(value.trim());
  if (!rgba) throw invalidOption(option, EXPECTED, value);
  const [r = 0, g = 0, b = 0, alpha = 1] = rgba;
  return { r, g, b, alpha };
}

function isRgba(value: unknown): value is Rgba {
  if (typeof value !== 'object' || value === null) return false;
  const { r, g, b, alpha } = value as Record<string, unknown>;
  const channel = (c: unknown) => Number.isInteger(c) && (c as number) >= 0 && (c as number) <= 255;
  return channel(r) && channel(g) && channel(b) && typeof alpha === 'number' && alpha >= 0 && alpha <= 1;
}
