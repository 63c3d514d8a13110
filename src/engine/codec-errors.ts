import { isSquishError, SquishError } from '../errors/index.js';
import type { ImageFormat } from './types.js';

/** libvips/libpng/libjpeg messages that mean the input itself is broken, not our code. */
const CORRUPT_INPUT = [
  /premature end/i,
  /corrupt/i,
  /truncated/i,
  /read error/i,
  /unexpected end/i,
  /bad (?:huffman|seek|crc|adler|data|signature)/i,
  /invalid (?:png|jpeg|gif|webp|image|data|chunk)/i,
  /no frames/i,
  /decode(?:r)? (?:error|failed)/i,
  /not a (?:png|jpeg|gif)/i,
  /heif: ?(?:error|invalid)/i,
  /VipsForeignLoad.*(?:failed|error)/i,
];

/**
 * Turns whatever a codec threw into a SquishError: corrupt input becomes CORRUPT_IMAGE (the
 * user's file), anything else CODEC_FAILED (ours), keeping the original as the cause for logs.
 */
export function toSquishError(error: unknown, format: ImageFormat): SquishError {
  if (isSquishError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/unsupported image format/i.test(message))
    return new SquishError('UNSUPPORTED_FORMAT', undefined, { cause: error });
  if (CORRUPT_INPUT.some((pattern) => pattern.test(message))) {
    return new SquishError('CORRUPT_IMAGE', `The ${format.toUpperCase()} data is corrupt or truncated.`, {
      cause: error,
    });
  }
  return new SquishError('CODEC_FAILED', undefined, { cause: error });
}
