/**
 * Lossless GIF: gifsicle -O3 with what never changes appearance stripped, or the input with its
 * comments cut out when that is smaller; every output is proven to play the same animation as
 * the input before it is offered.
 */
import { isSquishError } from '../../../errors/index.js';
import { type DecodedGif, decodeGifFrames, sameAnimation } from '../../decode/gif-frames.js';
import { type GifStructure, parseGifStructure } from '../../decode/gif-structure.js';
import type { Candidate, CodecContext } from '../../types.js';
import { hasGifsicle, runGifsicle } from './gifsicle.js';
import { gifsicleStripArgs, stripInvisibleBlocks } from './strip.js';

interface Attempt {
  method: string;
  data: Uint8Array;
}

/** The lossless result, and the decoded input it was checked against (the lossy search reuses it). */
export interface LosslessGifResult {
  candidate: Candidate;
  reference: DecodedGif;
}

/**
 * The smallest of gifsicle -O3 (frame cropping, transparency, merging identical frames) and the
 * stripped input (no re-encoding: -O3 can make already tight files bigger, pil-multiple_comments
 * 1 540 → 1 888 bytes, while cutting its comments gives 1 450), that decodes to the same
 * animation as the input. The input itself when gifsicle is missing or no output passed the check.
 */
export async function losslessGif(
  input: Uint8Array,
  ctx: CodecContext,
  structure: GifStructure,
): Promise<LosslessGifResult> {
  const notes: string[] = [];
  const gifsicleRun = hasGifsicle()
    ? runGifsicle(input, ['-O3', ...gifsicleStripArgs(structure, ctx.plan.keep.icc)], ctx.deadline)
    : undefined;
  // gifsicle works in its own process meanwhile: let Node hand it the input, then decode ours.
  await new Promise((resolve) => setImmediate(resolve));
  const reference = decodeInput(input, ctx, gifsicleRun);
  const attempts: Attempt[] = [];
  const stripped = stripInvisibleBlocks(input, structure, ctx.plan.keep.icc);
  if (stripped) attempts.push({ method: 'metadata stripped', data: stripped });
  if (gifsicleRun) {
    const optimized = await gifsicleRun;
    if (optimized) attempts.push({ method: 'gifsicle -O3', data: optimized });
    else notes.push('gifsicle failed on this GIF');
  } else {
    notes.push('gifsicle is not installed: the GIF was only stripped of comments');
  }
  attempts.sort((a, b) => a.data.length - b.data.length);
  for (const attempt of attempts) {
    const verdict = verify(attempt.data, reference, ctx.limits.maxPixels);
    if (!verdict.equal) {
      notes.push(`${attempt.method} output rejected: ${verdict.detail}`);
      continue;
    }
    const candidate: Candidate = {
      data: attempt.data,
      method: attempt.method,
      lossless: true,
      frames: verdict.frames,
      notes: [...describeChanges(structure, attempt.data, verdict.frames), ...notes],
    };
    return { candidate, reference };
  }
  return { candidate: { data: input, method: 'original', lossless: true, notes }, reference };
}

/**
 * Decodes the input; on failure the gifsicle run still pending is awaited (its rejection
 * swallowed) so no promise is left unhandled.
 */
function decodeInput(
  input: Uint8Array,
  ctx: CodecContext,
  pending: Promise<unknown> | undefined,
): DecodedGif {
  try {
    return decodeGifFrames(input, { maxPixels: ctx.limits.maxPixels });
  } catch (error) {
    pending?.catch(() => {});
    throw error;
  }
}

/** Decodes an output and compares its animation with the input's. */
export function verify(
  data: Uint8Array,
  reference: DecodedGif,
  maxPixels: number,
): { equal: boolean; detail: string; frames: number } {
  let decoded: DecodedGif;
  try {
    decoded = decodeGifFrames(data, { maxPixels });
  } catch (error) {
    if (!isSquishError(error)) throw error;
    return { equal: false, detail: `does not decode (${error.message})`, frames: 0 };
  }
  return { ...sameAnimation(reference, decoded), frames: decoded.frames.length };
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
