import type { Sharp } from 'sharp';
import { encoding } from '../sharp-common/sharp-errors.js';

/**
 * aom speed for Squish's AVIF encodes. Measured on kodim01 (768x512, sharp 0.35.5, one libvips
 * thread): effort 4 took 1.8 to 4.6 s per encode, effort 3 about 0.5 to 0.8 s and effort 2 about
 * 0.4 s, at sizes within 1 to 5 % of each other for the same SSIMULACRA2. A search encodes up to
 * three times, so 3 keeps it affordable.
 */
export const AVIF_EFFORT = 3;

/**
 * The effort for an image of `pixels`: {@link AVIF_EFFORT}, or 2 above 4 megapixels, where an
 * effort-3 encode of a 12 MP photo takes several seconds and three of them no longer fit a
 * loaded worker's time limit.
 */
export function avifEffortFor(pixels: number): number {
  return pixels > 4_000_000 ? 2 : AVIF_EFFORT;
}

export interface AvifEncodeOptions {
  /** Quality 1 to 100. */
  quality: number;
  /** aom speed 0 (slowest, smallest) to 9 (default {@link AVIF_EFFORT}). */
  effort?: number;
  /**
   * Chroma sampling. Default 4:4:4: at the default target it was 2 to 6 % smaller than 4:2:0 for
   * the same SSIMULACRA2 on a photo (kodim01) and a logo (skimage logo).
   */
  chromaSubsampling?: '4:4:4' | '4:2:0';
}

/**
 * Encodes whatever `pipeline` produces as an 8-bit AVIF (still image: libvips writes no AVIF
 * sequences). The pipeline decides the metadata kept.
 * @throws SquishError CODEC_FAILED when libvips fails.
 */
export function encodeAvif(pipeline: Sharp, options: AvifEncodeOptions): Promise<Uint8Array> {
  return encoding('AVIF encode', async () => {
    const data = await pipeline
      .avif({
        quality: options.quality,
        effort: options.effort ?? AVIF_EFFORT,
        chromaSubsampling: options.chromaSubsampling ?? '4:4:4',
      })
      .toBuffer();
    return new Uint8Array(data.buffer, data.byteOffset, data.length);
  });
}
