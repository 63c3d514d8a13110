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
 * Parses a CSS colour as users write them for backgrounds.
 * @throws SquishError INVALID_OPTION naming `option`.
 */
export function parseColour(value: unknown, option: string): Rgba {
  if (typeof value !== 'string') throw invalidOption(option, EXPECTED, value);
  const rgba = colorString.get.rgb(value.trim());
  if (!rgba) throw invalidOption(option, EXPECTED, value);
  const [r = 0, g = 0, b = 0, alpha = 1] = rgba;
  return { r, g, b, alpha };
}
