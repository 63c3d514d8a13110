/**
 * Lossless GIF: gifsicle -O3 with what never changes appearance stripped, or the input with its
 * comments cut out when that is smaller; every output is proven to play the same animation as
 * the input before it is offered.
 */
import { isSquishError, SquishError } from '../../../errors/index.js';
import { compareGifAnimations, type DecodedGif, decodeGifFrames } from '../../decode/gif-frames.js';
import { type GifStructure, parseGifStructure } from '../../decode/gif-structure.js';
import type { Candidate, CodecContext } from '../../types.js';
import { hasGifsicle, runGifsicle } from './gifsicle.js';
import { gifsicleStripArgs, stripInvisibleBlocks } from './strip.js';

interface Attempt {
  method: string;
  data: Uint8Array;
}

/**
 * The smallest of gifsicle -O3 (frame cropping, transparency, merging identical frames) and the
 * stripped input (no re-encoding: -O3 can make already tight files bigger, pil-multiple_comments
 * 1 540 → 1 888 bytes, while cutting its comments gives 1 450), that plays the same animation as
 * the input, frame by frame. The input itself when gifsicle is missing or no output passed.
 */
export async function losslessGif(
  input: Uint8Array,
  ctx: CodecContext,
  structure: GifStructure,
): Promise<Candidate> {
  const notes: string[] = [];
  const attempts: Attempt[] = [];
  const stripped = stripInvisibleBlocks(input, structure, ctx.plan.keep.icc);
  if (stripped) attempts.push({ method: 'metadata stripped', data: stripped });
  let reference: DecodedGif | undefined;
  if (hasGifsicle()) {
    const args = ['-O3', ...gifsicleStripArgs(structure, ctx.plan.keep.icc)];
    const running = runGifsicle(input, args, ctx.deadline);
    // While gifsicle works in its own process, decode the input for the check, if it is small.
    await new Promise((resolve) => setImmediate(resolve));
    reference = decodeWhileWaiting(input, structure, ctx.limits.maxPixels, running);
    const optimized = await running;
    if (optimized) attempts.push({ method: 'gifsicle -O3', data: optimized });
    else notes.push('gifsicle failed on this GIF');
  } else {
    notes.push('gifsicle is not installed: the GIF was only stripped of comments');
  }
  attempts.sort((a, b) => a.data.length - b.data.length);
  for (const attempt of attempts) {
    if (Date.now() > ctx.deadline) throw new SquishError('PROCESSING_TIMEOUT');
    const verdict = verify(reference ?? input, attempt.data, ctx.limits.maxPixels);
    if (!verdict.equal) {
      notes.push(`${attempt.method} output rejected: ${verdict.detail}`);
      continue;
    }
    return {
      data: attempt.data,
      method: attempt.method,
      lossless: true,
      frames: verdict.frames,
      notes: [...describeChanges(structure, attempt.data, verdict.frames), ...notes],
    };
  }
  return { data: input, method: 'original', lossless: true, notes };
}

/** Canvas bytes up to which the input is decoded whole ahead of the check (else it is streamed). */
const PREDECODE_BYTES = 64 * 1024 * 1024;

/**
 * The whole decoded input when it fits PREDECODE_BYTES; if decoding throws, the pending gifsicle
 * run gets a handler first so its own failure is not reported as unhandled.
 */
function decodeWhileWaiting(
  input: Uint8Array,
  structure: GifStructure,
  maxPixels: number,
  pending: Promise<unknown>,
): DecodedGif | undefined {
  if (structure.width * structure.height * 4 * structure.frames.length > PREDECODE_BYTES) return undefined;
  try {
    return decodeGifFrames(input, { maxPixels });
  } catch (error) {
    pending.catch(() => {});
    throw error;
  }
}

/** Whether an output plays the same animation as the input (decoded side by side). */
export function verify(
  input: Uint8Array | DecodedGif,
  output: Uint8Array,
  maxPixels: number,
): { equal: boolean; detail: string; frames: number } {
  try {
    const comparison = compareGifAnimations(input, output, { maxPixels });
    return { equal: comparison.equal, detail: comparison.detail, frames: comparison.frames[1] };
  } catch (error) {
    // The input was checked before; an error here is the output's.
    if (!isSquishError(error)) throw error;
    return { equal: false, detail: `does not decode (${error.message})`, frames: 0 };
  }
}

function describeChanges(structure: GifStructure, output: Uint8Array, outputFrames: number): string[] {
  const after = parseGifStructure(output);
  const notes: string[] = [];
  const comments = structure.comments - after.comments;
  if (comments > 0) notes.push(`${comments} comment(s) removed`);
  const extensions =
    structure.extensions.length - structure.comments - (after.extensions.length - after.comments);
  if (extensions > 0) notes.push(`${extensions} application or other extension(s) removed`);
  const merged = structure.frames.length - outputFrames;
  if (merged > 0) notes.push(`${merged} frame(s) merged into identical neighbours (timing kept)`);
  return notes;
}
