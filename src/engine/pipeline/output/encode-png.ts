/**
 * PNG outputs from pipeline pixels. Lossless: encodePng (sharp draft + oxipng), pixel-exact.
 * Lossy: the PNG codec's own palette search, run on a quick draft PNG of the pixels, so the
 * search, its calibration and its lossless fallback are exactly the byte path's.
 */
import sharp from 'sharp';
import { encodePng } from '../../codecs/png/index.js';
import { optimizeLossy } from '../../codecs/png/lossy.js';
import type { Candidate, CodecContext } from '../../types.js';
import { frameAt } from '../frames.js';
import type { TransformedImage } from '../transform.js';
import type { OutputSettings } from './settings.js';

/** A PNG of the image's first frame (animated PNG output is not offered: APNG is not a target). */
export async function encodePngOutput(
  image: TransformedImage,
  settings: OutputSettings,
  deadline: number,
): Promise<Candidate> {
  const frame = frameAt(image, 0);
  if (!settings.lossy) {
    const data = await encodePng(frame);
    return { data, method: 'png + oxipng', lossless: true };
  }
  // A fast, filter-free draft: the palette search re-encodes it anyway.
  const draft = await sharp(frame.data, {
    raw: { width: frame.width, height: frame.height, channels: frame.channels },
  })
    .png({ compressionLevel: 1, adaptiveFiltering: false })
    .toBuffer();
  const ctx: CodecContext = {
    info: {
      format: 'png',
      width: frame.width,
      height: frame.height,
      frames: 1,
      hasAlpha: frame.channels === 4,
      space: 'srgb',
      hasIcc: false,
    },
    plan: {
      lossy: true,
      keep: { icc: false, orientation: false },
      ...(settings.quality !== undefined ? { quality: settings.quality } : {}),
      ...(settings.target !== undefined ? { target: settings.target } : {}),
    },
    limits: settings.limits,
    deadline,
  };
  return optimizeLossy(new Uint8Array(draft.buffer, draft.byteOffset, draft.length), ctx);
}
