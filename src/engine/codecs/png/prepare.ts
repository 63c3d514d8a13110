/**
 * The checks every PNG path starts with: structure and CRCs, header values, the pixel limit, and
 * the metadata selection. Nothing here inflates image data.
 */
import { SquishError } from '../../../errors/index.js';
import { checkDeadline } from '../../deadline.js';
import type { CodecContext } from '../../types.js';
import { readPngChunks, writePng } from './chunks.js';
import { type PngHeader, readHeader } from './header.js';
import { selectChunks } from './metadata.js';

export interface PreparedPng {
  header: PngHeader;
  /** The input rewritten with only the chunks worth keeping. */
  cleaned: Uint8Array;
  notes: string[];
}

/**
 * Validates `input` and strips its removable metadata.
 * @throws SquishError CORRUPT_IMAGE, UNSUPPORTED_FORMAT, TOO_MANY_PIXELS or PROCESSING_TIMEOUT.
 */
export function preparePng(input: Uint8Array, ctx: CodecContext): PreparedPng {
  checkDeadline(ctx.deadline);
  const chunks = readPngChunks(input);
  const header = readHeader(chunks);
  // The orchestrator checks this too; repeated here because oxipng would decode a bomb regardless.
  if (header.width * header.height > ctx.limits.maxPixels) {
    throw new SquishError(
      'TOO_MANY_PIXELS',
      `The PNG has ${header.width}x${header.height} pixels, more than the limit of ${ctx.limits.maxPixels}.`,
    );
  }
  const selected = selectChunks(chunks, ctx.plan.keep);
  return { header, cleaned: writePng(selected.chunks), notes: selected.notes };
}
