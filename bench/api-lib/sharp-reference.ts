/**
 * The API benchmark's reference work: what one request asks of the platform, done by sharp alone
 * (resize cover 512x512, mozjpeg at SHARP_QUALITY). bench:api calls it in its own process and
 * behind a bare HTTP server (bare-sharp-server.ts).
 */
import sharp from 'sharp';
import { BOX } from './photos.js';

/** sharp's fixed quality: mozjpeg at 85, a common "high quality" setting of image servers. */
export const SHARP_QUALITY = 85;

/**
 * How the reference scales: as the engine does (the verdict's row), or with sharp's defaults.
 *
 * The engine leaves at least 2x of every reduction to Lanczos3 after the JPEG decoder's DCT
 * shrink (src/engine/pipeline/shrink-on-load.ts); sharp by default lets the DCT do as much as it
 * can, which is cheaper and softer: on these photos at 512 px, 0 to 0.9 SSIMULACRA2 points lower
 * after the q85 encode, measured against a full decode scaled with Lanczos3 (up to 1.4 at 256 px).
 * That is a choice of what to compute, not platform overhead, so the "same work done by
 * calling sharp directly" is sharp asked for the same scaling; the defaults row shows the other.
 */
export type SharpScaling = 'engine' | 'defaults';

/** One request's work: `photo` resized to cover BOX x BOX and encoded with mozjpeg. */
export function sharpReference(photo: Buffer, scaling: SharpScaling): Promise<Buffer> {
  return sharp(photo)
    .resize(BOX, BOX, { fit: 'cover', ...(scaling === 'engine' ? { fastShrinkOnLoad: false } : {}) })
    .jpeg({ mozjpeg: true, quality: SHARP_QUALITY })
    .toBuffer();
}
