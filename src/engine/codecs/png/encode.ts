/**
 * Lossless PNG from raw pixels, for pipelines that produce pixels rather than a file (convert,
 * resize). sharp writes a quick PNG, oxipng then compresses it as well as the lossless path does.
 */
import sharp from 'sharp';
import { oxipngLevel } from './lossless.js';
import { oxipng } from './oxipng.js';

export interface RawPixels {
  /** Interleaved samples, row by row: Uint8Array for 8-bit, Uint16Array for 16-bit. */
  data: Uint8Array | Uint16Array;
  width: number;
  height: number;
  /** 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
  channels: 1 | 2 | 3 | 4;
}

/**
 * Encodes raw pixels as a small, pixel-exact PNG (16-bit samples stay 16-bit). The colour of
 * fully transparent 8-bit pixels may change; they look the same.
 * @throws RangeError when `data` does not hold width x height x channels samples.
 */
export async function encodePng(pixels: RawPixels): Promise<Uint8Array> {
  const { data, width, height, channels } = pixels;
  if (data.length !== width * height * channels) {
    throw new RangeError(`encodePng expects ${width * height * channels} samples, got ${data.length}`);
  }
  const sixteen = data instanceof Uint16Array;
  let pipeline = sharp(data, { raw: { width, height, channels }, limitInputPixels: false });
  if (sixteen) pipeline = pipeline.toColourspace(channels <= 2 ? 'grey16' : 'rgb16');
  // Level 1 without filtering: a fast first draft, oxipng redoes the compression anyway.
  const draft = await pipeline.png({ compressionLevel: 1, adaptiveFiltering: false }).toBuffer();
  return oxipng(draft, { level: oxipngLevel(width * height), optimizeAlpha: !sixteen && channels % 2 === 0 });
}
