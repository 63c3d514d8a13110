/**
 * The GIF checks that run before any pixel is decoded or any tool is started.
 */
import { SquishError } from '../../../errors/index.js';
import { assertWithinPixelLimit } from '../../decode/gif-compose.js';
import { type GifStructure, parseGifStructure } from '../../decode/gif-structure.js';
import type { CodecContext } from '../../types.js';

/**
 * Parses the GIF's structure and checks it against the job's limits.
 * @throws SquishError CORRUPT_IMAGE, TOO_MANY_FRAMES or TOO_MANY_PIXELS.
 */
export function checkGif(input: Uint8Array, ctx: CodecContext): GifStructure {
  const structure = parseGifStructure(input);
  if (structure.frames.length > ctx.limits.maxFrames) {
    throw new SquishError(
      'TOO_MANY_FRAMES',
      `The GIF has ${structure.frames.length} frames, more than the limit of ${ctx.limits.maxFrames}.`,
    );
  }
  assertWithinPixelLimit(structure, ctx.limits.maxPixels);
  return structure;
}
