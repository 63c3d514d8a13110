/**
 * Truecolor "lossy PNG" for images where no palette of 256 colours is good enough (photos, wide
 * gradients): the pixels are coded as PNG's Average filter would code them, but each residual is
 * rounded to a multiple of `step` while coding (closed loop, so the error of a sample never exceeds
 * step / 2, rounded down, and never accumulates). Fewer distinct residuals is what deflate compresses better; any
 * PNG decoder reads the result, since the rows are ordinary Average-filtered rows.
 *
 * Hand-written because no library here quantizes inside a PNG filter: pngquant and libimagequant
 * only make palettes, and posterising the pixels themselves (measured) costs more points for the
 * bytes saved, because posterised noise is not predictable by any PNG filter.
 *
 * Measured on corpus photos (2026-11-26, whole-image SSIMULACRA2): kodim05 785 kB lossless ->
 * 255 kB at step 12 (83.7); the Paeth filter was 5-10 % bigger at the same step, and a step scaled
 * by local detail (activity masking) scored lower for its size on SSIMULACRA2.
 */
import { deflateSync } from 'node:zlib';
import { writePng } from './chunks.js';
import type { Rgba8 } from './pixels.js';

/** PNG filter type 3: the prediction is the mean of the left and upper samples. */
const AVERAGE_FILTER = 3;
/**
 * zlib settings of the draft: the fastest, since oxipng re-filters and recompresses from the
 * pixels anyway (its result was the smaller on every corpus file tried). Level 9 took 17 s on an
 * 8 Mpx photo, where these residuals' long repeats are its worst case; level 1 takes well under 1 s.
 */
const DEFLATE_OPTIONS = { level: 1 } as const;

/** The lossy truecolor version of an image at one residual step. */
export interface QuantizedImage {
  /** What a decoder will see: RGBA, same size as the original. */
  pixels: Rgba8;
  /** The filtered scanlines (filter byte + residual bytes per row), ready for deflate. */
  scanlines: Uint8Array;
  /** 4 when the original has any alpha below 255, else 3 (alpha dropped). */
  channels: 3 | 4;
}

/**
 * Codes `original` with Average-filter residuals rounded to multiples of `step` (1 = exact).
 * Alpha is kept exact (the metric cannot see it, see palette-score.ts); the colour of fully
 * transparent pixels is replaced by the prediction, which costs nothing to store, unless
 * `keepTransparentColour` asks to round it like any other colour.
 * @throws RangeError when `step` is not an integer from 1 to 128.
 */
export function quantizeResiduals(
  original: Rgba8,
  step: number,
  keepTransparentColour = false,
): QuantizedImage {
  if (!(Number.isInteger(step) && step >= 1 && step <= 128)) {
    throw new RangeError(`step must be an integer from 1 to 128, got ${step}`);
  }
  const { width, height, data } = original;
  const channels = isOpaque(original) ? 3 : 4;
  const stride = width * channels;
  // The reconstruction, in the output's channel layout (the prediction reads it).
  const recon = new Uint8Array(height * stride);
  const scanlines = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    const line = y * (stride + 1);
    scanlines[line] = AVERAGE_FILTER;
    for (let x = 0; x < width; x++) {
      const source = (y * width + x) * 4;
      const alpha = data[source + 3]!;
      for (let c = 0; c < channels; c++) {
        const at = row + x * channels + c;
        const left = x > 0 ? recon[at - channels]! : 0;
        const up = y > 0 ? recon[at - stride]! : 0;
        const predicted = (left + up) >> 1;
        const value = data[source + c]!;
        let coded: number;
        if (c === 3) coded = value;
        else if (alpha === 0 && !keepTransparentColour) coded = predicted;
        else coded = roundedSample(value, predicted, step);
        recon[at] = coded;
        scanlines[line + 1 + x * channels + c] = (coded - predicted) & 0xff;
      }
    }
  }
  return { pixels: { data: toRgba(recon, channels), width, height }, scanlines, channels };
}

/** A PNG (IHDR, IDAT, IEND only) of quantized scanlines. */
export function truecolorPng(image: QuantizedImage): Uint8Array {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, image.pixels.width);
  view.setUint32(4, image.pixels.height);
  header[8] = 8; // bit depth
  header[9] = image.channels === 4 ? 6 : 2; // RGBA or RGB; compression, filter, interlace stay 0
  return writePng([
    { type: 'IHDR', data: header },
    { type: 'IDAT', data: new Uint8Array(deflateSync(image.scanlines, DEFLATE_OPTIONS)) },
    { type: 'IEND', data: new Uint8Array(0) },
  ]);
}

/**
 * The sample the decoder gets: the prediction plus the residual rounded to a multiple of `step`;
 * the exact value when rounding leaves 0..255 (stepping back instead could err by a whole step).
 */
function roundedSample(value: number, predicted: number, step: number): number {
  const coded = predicted + Math.round((value - predicted) / step) * step;
  return coded >= 0 && coded <= 255 ? coded : value;
}

function isOpaque(image: Rgba8): boolean {
  for (let i = 3; i < image.data.length; i += 4) if (image.data[i] !== 255) return false;
  return true;
}

/** RGBA from the reconstruction (an RGB one is opaque). */
function toRgba(recon: Uint8Array, channels: 3 | 4): Uint8Array {
  if (channels === 4) return recon;
  const pixels = recon.length / 3;
  const out = new Uint8Array(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    out[p * 4] = recon[p * 3]!;
    out[p * 4 + 1] = recon[p * 3 + 1]!;
    out[p * 4 + 2] = recon[p * 3 + 2]!;
    out[p * 4 + 3] = 255;
  }
  return out;
}
