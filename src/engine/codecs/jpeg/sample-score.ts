/**
 * Scores an encoder setting on the metric sample (a mosaic of representative tiles) instead of
 * the whole image: SSIMULACRA2 costs ~1.5 µs per pixel, an encode of 130 kpx a few ms.
 */
import { decodeToRgb, type RgbImage, ssimulacra2 } from '../../metric/ssimulacra2.js';
import { type EncodeJpegOptions, encodeJpeg } from './encode.js';

/** Bytes and SSIMULACRA2 score of `sample` encoded with `options`. */
export async function scoreSample(
  sample: RgbImage,
  options: EncodeJpegOptions,
): Promise<{ score: number; bytes: number }> {
  const encoded = await encodeJpeg(sample, options);
  const score = await ssimulacra2(sample, await decodeToRgb(encoded));
  return { score, bytes: encoded.length };
}
