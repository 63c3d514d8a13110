/**
 * Decodes a JPEG to the sRGB pixels the lossy path encodes from and measures against.
 */
import sharp from 'sharp';
import { SquishError } from '../../../errors/index.js';
import type { RgbImage } from '../../metric/ssimulacra2.js';
import { rawView } from '../../raw-image.js';

/**
 * The first image of `input` as packed sRGB: an embedded profile (Adobe RGB, a CMYK press profile)
 * is applied by sharp's colour management, CMYK without one goes through libvips' default CMYK
 * profile. Same conversion as the metric's decodeToRgb, but strict: a decoder warning (corrupt or
 * truncated data) is an error here, because concealed damage must not be re-encoded as if it were
 * the picture.
 * @throws SquishError CORRUPT_IMAGE when libjpeg reports damage.
 */
export async function decodeToSrgb(input: Uint8Array, maxPixels: number): Promise<RgbImage> {
  try {
    const output = await sharp(input, { failOn: 'warning', limitInputPixels: maxPixels })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return rawView(output);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/pixel limit/i.test(message)) throw new SquishError('TOO_MANY_PIXELS', undefined, { cause: error });
    throw new SquishError('CORRUPT_IMAGE', 'The JPEG data is corrupt or truncated.', { cause: error });
  }
}
