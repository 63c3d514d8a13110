/**
 * Render verification: rasterizes two SVG documents with librsvg (through sharp) at the same small,
 * bounded size and scores the pair with SSIMULACRA2. A minified SVG is only kept when it renders
 * like the sanitized original.
 */
import sharp from 'sharp';
import { SquishError } from '../../../errors/index.js';
import { MIN_METRIC_SIDE, type RgbImage, ssimulacra2 } from '../../metric/ssimulacra2.js';
import { remainingMs } from '../../tools/run-tool.js';

/** Size bounds of the verification render. */
export interface RenderBounds {
  /** Longest side of the render, in pixels, for ordinary aspect ratios. */
  longestSide: number;
  /** Hard cap on the longest side, used only to keep the short side at least {@link MIN_METRIC_SIDE}. */
  maxLongestSide: number;
}

export const DEFAULT_RENDER_BOUNDS: Readonly<RenderBounds> = Object.freeze({
  longestSide: 256,
  maxLongestSide: 1024,
});

/** A rendered reference plus the density that produced it, so candidates render alike. */
export interface ReferenceRender {
  image: RgbImage;
  density: number;
}

function checkDeadline(deadline: number): void {
  if (Date.now() > deadline) throw new SquishError('PROCESSING_TIMEOUT');
}

/** Rasterizes `svg` at `density` (72 = the document's own size), flattened on white. */
async function rasterize(svg: Uint8Array, density: number, deadline: number): Promise<RgbImage> {
  checkDeadline(deadline);
  const seconds = Math.max(1, Math.ceil(remainingMs(deadline) / 1000));
  try {
    const { data, info } = await sharp(svg, { density, failOn: 'error', limitInputPixels: 4096 * 4096 })
      .timeout({ seconds })
      .flatten({ background: '#ffffff' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
    };
  } catch (error) {
    checkDeadline(deadline);
    const message = error instanceof Error ? error.message : String(error);
    if (/timeout/i.test(message)) throw new SquishError('PROCESSING_TIMEOUT', undefined, { cause: error });
    throw new SquishError('INVALID_SVG', 'The SVG document could not be rendered.', { cause: error });
  }
}

/** The density that fits the document's own size into `bounds`. */
function densityFor(width: number, height: number, bounds: RenderBounds): number {
  const longest = Math.max(width, height);
  const shortest = Math.max(1, Math.min(width, height));
  let scale = bounds.longestSide / longest;
  // SSIMULACRA2 is erratic below 64 px a side: stretch very wide or tall documents, within a cap.
  if (shortest * scale < MIN_METRIC_SIDE)
    scale = Math.min(MIN_METRIC_SIDE / shortest, bounds.maxLongestSide / longest);
  return 72 * scale;
}

/**
 * Renders the reference document at a bounded size.
 * @throws SquishError INVALID_SVG when librsvg cannot load it, PROCESSING_TIMEOUT past the deadline.
 */
export async function renderReference(
  svg: Uint8Array,
  deadline: number,
  bounds: RenderBounds = DEFAULT_RENDER_BOUNDS,
): Promise<ReferenceRender> {
  checkDeadline(deadline);
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await sharp(svg, { limitInputPixels: false }).metadata());
  } catch (error) {
    throw new SquishError('INVALID_SVG', 'The SVG document could not be rendered.', { cause: error });
  }
  if (!width || !height) throw new SquishError('INVALID_SVG', 'The SVG document has no usable size.');
  const density = densityFor(width, height, bounds);
  return { image: await rasterize(svg, density, deadline), density };
}

/** How a candidate compares with the reference. */
export interface RenderComparison {
  /** SSIMULACRA2 of the candidate's render (100 when pixel-identical; -Infinity when sizes differ). */
  score: number;
  /** Every rendered pixel is equal. */
  identical: boolean;
}

function samePixels(a: RgbImage, b: RgbImage): boolean {
  if (a.data.length !== b.data.length) return false;
  const left = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.length);
  return left.equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.length));
}

/**
 * Renders `candidate` like `reference` was rendered and scores it. Identical pixels skip the metric.
 */
export async function compareWithReference(
  reference: ReferenceRender,
  candidate: Uint8Array,
  deadline: number,
): Promise<RenderComparison> {
  const image = await rasterize(candidate, reference.density, deadline);
  if (image.width !== reference.image.width || image.height !== reference.image.height) {
    return { score: Number.NEGATIVE_INFINITY, identical: false };
  }
  if (samePixels(reference.image, image)) return { score: 100, identical: true };
  checkDeadline(deadline);
  return { score: await ssimulacra2(reference.image, image), identical: false };
}
