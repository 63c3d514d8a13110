/**
 * SSIMULACRA2, the perceptual metric Squish aims its lossy search at.
 *
 * Scores: 100 = identical, 90 = visually lossless at normal viewing, 80 = very high quality,
 * 70 = high quality, 50 = medium. Every target and margin of the engine is calibrated on the
 * scores of calc-s2-rust, a WASM build at about 1.5 µs per pixel on one core. Squish scores with
 * its own implementation of the same computation (ssimulacra2-score.ts), at about 0.45 µs per
 * pixel, 0.3 against a reference it has already prepared (a search scores many candidates against
 * one). On images whose short side gives the metric all of its 6 scales (113 px and more) it agrees
 * with calc-s2-rust within a few tenths of a point (photos within 0.25,
 * test/engine/metric/ssimulacra2.test.ts). On smaller ones it keeps each scale's weights where
 * SSIMULACRA2 puts them, where calc-s2-rust shifts them (see ssimulacra2-score.ts weightsAt) and
 * scores a good 100 px thumbnail below zero. Callers measure samples of large images, never the
 * whole of a 12 MP photo.
 */
import sharp from 'sharp';
import { rawView } from '../raw-image.js';
import { type PreparedReference, prepareReference, ssimulacra2Against } from './ssimulacra2-score.js';

/** Interleaved 8-bit RGB pixels (3 bytes per pixel, no alpha). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** The smallest side SSIMULACRA2 gives stable answers for (its 6 scales halve the image 5 times). */
export const MIN_METRIC_SIDE = 64;

/**
 * SSIMULACRA2 of `distorted` against `reference` (same dimensions, RGB).
 * @throws RangeError when the dimensions differ, the buffers are not tightly packed RGB or a side
 *   is under 8 px.
 */
export async function ssimulacra2(reference: RgbImage, distorted: RgbImage): Promise<number> {
  if (reference.width !== distorted.width || reference.height !== distorted.height) {
    throw new RangeError(
      `ssimulacra2 needs equal dimensions, got ${reference.width}x${reference.height} and ${distorted.width}x${distorted.height}`,
    );
  }
  const len = reference.width * reference.height * 3;
  if (reference.data.length !== len || distorted.data.length !== len) {
    throw new RangeError('ssimulacra2 expects tightly packed 3-channel RGB buffers');
  }
  const side = Math.min(reference.width, reference.height);
  if (side < 8) throw new RangeError('ssimulacra2 needs at least 8x8 pixels');
  return ssimulacra2Against(preparedReference(reference), distorted.data);
}

/**
 * References this process prepared, by their pixel buffer, with a copy of the pixels they were
 * prepared from. The searches score many candidates against one reference (a JPEG search
 * its sample mosaic, a PNG search its tiles, a GIF its frames): the reference's scales and blurs,
 * about a third of each score, are then computed once. The copy guards against a buffer whose
 * pixels changed since (a memcmp); an entry lives as long as its buffer.
 */
const prepared = new WeakMap<Uint8Array, { pixels: Buffer; reference: PreparedReference }>();

/**
 * References above this many pixels are prepared for one score only: prepared, a reference takes
 * about 32 bytes per pixel (a 1 MP one 32 MB), and callers score only samples of large images.
 */
const MAX_KEPT_REFERENCE_PIXELS = 1 << 20;

function preparedReference(image: RgbImage): PreparedReference {
  const { data, width, height } = image;
  const kept = prepared.get(data);
  if (
    kept &&
    kept.reference.width === width &&
    kept.reference.height === height &&
    kept.pixels.equals(data)
  ) {
    return kept.reference;
  }
  const reference = prepareReference(data, width, height);
  if (width * height <= MAX_KEPT_REFERENCE_PIXELS) {
    prepared.set(data, { pixels: Buffer.from(data), reference });
  }
  return reference;
}

/**
 * Decodes an encoded image (first frame) to RGB, flattening alpha on white, the way the
 * benchmark and the lossy search compare images.
 */
export async function decodeToRgb(
  encoded: Uint8Array,
  options: { density?: number } = {},
): Promise<RgbImage> {
  const output = await sharp(encoded, {
    failOn: 'none',
    density: options.density,
    limitInputPixels: false,
  })
    .flatten({ background: '#ffffff' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return rawView(output);
}
