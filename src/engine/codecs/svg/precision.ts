/**
 * How many decimals svgo may keep, chosen from the document's coordinate scale.
 *
 * svgo rounds coordinates to a fixed number of decimals (3 by default) whatever the document's
 * size, so a 48-unit icon shown large loses far more than a 1920-unit wallpaper: at a 1024 px fit,
 * tango-network-server.svg (48 units, ~21 px per unit) scored SSIMULACRA2 84.7 at 3 decimals and
 * 100 at 4, while the wallpapers are unchanged at 3. The precision here keeps the rounding error
 * under {@link MAX_ROUNDING_PX} at a {@link REFERENCE_FIT_PX} fit.
 */

/** The display size the precision is chosen for: the longest side fitted to this many pixels. */
export const REFERENCE_FIT_PX = 1024;
/** The rounding error allowed at that size, in pixels. */
export const MAX_ROUNDING_PX = 0.005;
/** Decimals used when the document's coordinate scale cannot be read (svgo's default). */
export const DEFAULT_DECIMALS = 3;
/** Fewest decimals lossless mode uses, for documents thousands of units wide. */
export const MIN_DECIMALS = 2;

const ROOT_TAG = /<(?:[\w.-]+:)?svg\b([^>]*)>/;

function attribute(tag: string, name: string): string | undefined {
  return new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`)
    .exec(tag)
    ?.slice(1)
    .find((v) => v !== undefined);
}

/** The number of an absolute length (units ignored: precision needs the magnitude only); not % or em. */
function absoluteLength(value: string | undefined): number | undefined {
  const match = /^\s*((?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*(?:px|pt|pc|mm|cm|in)?\s*$/i.exec(value ?? '');
  const n = match ? Number.parseFloat(match[1]!) : Number.NaN;
  return n > 0 ? n : undefined;
}

/**
 * The longest side of the root's user coordinate space (viewBox, else numeric width/height), read
 * from the root start tag with a pattern: it only steers the precision (every result is verified by
 * rendering), so a tag the pattern cannot read just gets {@link DEFAULT_DECIMALS}.
 */
export function userSpaceExtent(text: string): number | undefined {
  const tag = ROOT_TAG.exec(text)?.[1];
  if (tag === undefined) return undefined;
  const viewBox = attribute(tag, 'viewBox')
    ?.trim()
    .split(/[\s,]+/)
    .map(Number);
  if (viewBox?.length === 4 && viewBox[2]! > 0 && viewBox[3]! > 0) return Math.max(viewBox[2]!, viewBox[3]!);
  const width = absoluteLength(attribute(tag, 'width'));
  const height = absoluteLength(attribute(tag, 'height'));
  return width !== undefined && height !== undefined ? Math.max(width, height) : undefined;
}

/**
 * Decimals that keep rounding under {@link MAX_ROUNDING_PX} at a {@link REFERENCE_FIT_PX} fit,
 * from {@link MIN_DECIMALS} to 6.
 */
export function losslessDecimals(extent: number | undefined): number {
  if (extent === undefined || !(extent > 0)) return DEFAULT_DECIMALS;
  const pixelsPerUnit = REFERENCE_FIT_PX / extent;
  const needed = Math.ceil(Math.log10(pixelsPerUnit / MAX_ROUNDING_PX));
  return Math.min(6, Math.max(MIN_DECIMALS, needed));
}
