import type { Sharp } from 'sharp';
import { encoding } from '../sharp-common/sharp-errors.js';

export interface WebpEncodeOptions {
  /** Lossy quality 1 to 100 (ignored when `lossless`). */
  quality?: number;
  /** VP8L: every pixel kept (the colour of fully transparent pixels may change). */
  lossless?: boolean;
  /** libwebp method 0 (fast) to 6 (smallest). Default 6 lossless, 4 lossy. */
  effort?: number;
  /** Quality of the alpha plane in lossy mode (default 100: alpha kept exactly). */
  alphaQuality?: number;
  /** libwebp's sharp (iterative) RGB to YUV 4:2:0 conversion in lossy mode (see wantsSharpYuv). */
  smartSubsample?: boolean;
  /** Frame delays in ms, for an animation built from raw frames (sharp keeps an input's own). */
  delay?: number[];
  /** Loop count (0 = forever), for an animation built from raw frames. */
  loop?: number;
}

/**
 * Encodes whatever `pipeline` produces (decoded file, raw pixels, resized image...) as WebP. The
 * pipeline decides the metadata kept (see keepAppearance) and, through `animated` / `pageHeight`,
 * whether all frames are written.
 * @throws SquishError CODEC_FAILED when libvips fails.
 */
export function encodeWebp(pipeline: Sharp, options: WebpEncodeOptions): Promise<Uint8Array> {
  const animation = {
    ...(options.delay ? { delay: options.delay } : {}),
    ...(options.loop !== undefined ? { loop: options.loop } : {}),
  };
  const settings = options.lossless
    ? { lossless: true, effort: options.effort ?? 6 }
    : {
        quality: options.quality,
        alphaQuality: options.alphaQuality ?? 100,
        effort: options.effort ?? 4,
        smartSubsample: options.smartSubsample === true,
      };
  return encoding('WebP encode', async () => {
    const data = await pipeline.webp({ ...settings, ...animation }).toBuffer();
    return new Uint8Array(data.buffer, data.byteOffset, data.length);
  });
}
