/**
 * One output format from the pipeline's pixels: the format's encoder (lossless where the format
 * can be, else the perceptual search), then the kept metadata groups.
 */
import sharp from 'sharp';
import { SquishError } from '../../../errors/index.js';
import type { Candidate, ImageFormat } from '../../types.js';
import type { TransformedImage } from '../transform.js';
import { encodeAvifOutput } from './encode-avif.js';
import { encodeGifOutput } from './encode-gif.js';
import { encodeJpegOutput } from './encode-jpeg.js';
import { encodePngOutput } from './encode-png.js';
import { encodeWebpOutput } from './encode-webp.js';
import type { OutputSettings } from './settings.js';
import { writeOutputMetadata } from './write-metadata.js';

type PixelFormat = Exclude<ImageFormat, 'svg'>;

const ENCODERS: Record<
  PixelFormat,
  (image: TransformedImage, settings: OutputSettings, deadline: number) => Promise<Candidate>
> = {
  jpeg: encodeJpegOutput,
  png: encodePngOutput,
  gif: encodeGifOutput,
  webp: encodeWebpOutput,
  avif: encodeAvifOutput,
};

/**
 * Encodes `image` (from applyTransforms with transformOptionsFor for this `format`) as `format`.
 *
 * - lossy: the format's perceptual search at `settings.target` (or the fixed `settings.quality`).
 * - lossless: PNG, WebP and AVIF lossless are pixel-exact; GIF is exact up to 256 colours per
 *   frame, else a high-quality palette; JPEG is "visually lossless" (search at target 90).
 *   `lossless` on the candidate says which.
 * - JPEG `chromaSubsampling` 4:2:0 and 4:4:4 are honoured, 4:2:2 becomes 4:4:4 (noted).
 * - Animated images stay animated in GIF and WebP; the pipeline already kept only the first
 *   frame for the others, and its notes (image.notes) are carried into the candidate.
 * - Metadata: the kept groups, orientation as the pixels need it, no ICC profile (sRGB pixels).
 *
 * The candidate's width/height/frames are the output's.
 * @throws SquishError INVALID_OPTION for SVG (pixels cannot become SVG), PROCESSING_TIMEOUT past
 *   the deadline, CODEC_FAILED when an encoder fails.
 */
export async function encodeOutput(
  image: TransformedImage,
  format: ImageFormat,
  settings: OutputSettings,
  deadline: number,
): Promise<Candidate> {
  if (format === 'svg') {
    throw new SquishError('INVALID_OPTION', 'format: SVG output is made only from SVG input.');
  }
  if (Date.now() > deadline) throw new SquishError('PROCESSING_TIMEOUT');
  const encoded = await ENCODERS[format](image, settings, deadline);
  const written = writeOutputMetadata(encoded.data, format, settings.metadata, image.orientation);
  return {
    ...encoded,
    data: written.data,
    notes: [...image.notes, ...(encoded.notes ?? []), ...written.notes],
    width: image.width,
    height: image.height,
    // libwebp and gifsicle merge identical neighbouring frames (the delays add up): count the file's.
    frames: image.frameCount > 1 ? await encodedFrames(written.data) : 1,
  };
}

async function encodedFrames(data: Uint8Array): Promise<number> {
  return (await sharp(data, { animated: true }).metadata()).pages ?? 1;
}
