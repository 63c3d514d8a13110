/**
 * Lossless GIF: gifsicle, with what never changes appearance stripped, and every output proven
 * to play the same animation as the input before it is offered.
 */
import { isSquishError } from '../../../errors/index.js';
import { type DecodedGif, decodeGifFrames, sameAnimation } from '../../decode/gif-frames.js';
import type { GifStructure } from '../../decode/gif-structure.js';
import type { Candidate, CodecContext } from '../../types.js';
import { hasGifsicle, runGifsicle, STRIP_INVISIBLE } from './gifsicle.js';

/** gifsicle -O3: frame cropping, transparency tricks, merging of identical frames. */
const OPTIMIZE = { method: 'gifsicle -O3', args: ['-O3', ...STRIP_INVISIBLE] } as const;
/**
 * A plain rewrite, tried when -O3 saved under 1 %: -O3's re-encoding can cost more than it saves
 * (pil-multiple_comments: 1 888 bytes with -O3, 1 454 plain, 1 540 input), so taking the smaller
 * is never worse than -O3 alone, and -O3 alone is kept fast where it clearly works.
 */
const REWRITE = { method: 'gifsicle rewrite', args: [...STRIP_INVISIBLE] } as const;
const REWRITE_BELOW_SAVING = 0.01;

/**
 * The smallest gifsicle rewrite of `input` that decodes to the same animation as `reference`
 * (the decoded input), or the input itself when gifsicle is missing or every output failed the
 * check.
 */
export async function losslessGif(
  input: Uint8Array,
  ctx: CodecContext,
  structure: GifStructure,
  reference: DecodedGif,
): Promise<Candidate> {
  if (!hasGifsicle()) {
    return unchanged(input, 'gifsicle is not installed: the GIF was left as it was');
  }
  const outputs: { method: string; data: Uint8Array | undefined }[] = [
    { method: OPTIMIZE.method, data: await runGifsicle(input, OPTIMIZE.args, ctx.deadline) },
  ];
  const optimized = outputs[0]!.data;
  if (!optimized || optimized.length > input.length * (1 - REWRITE_BELOW_SAVING)) {
    outputs.push({ method: REWRITE.method, data: await runGifsicle(input, REWRITE.args, ctx.deadline) });
  }
  const rejected: string[] = [];
  const ranked = outputs.filter((o) => o.data !== undefined).sort((a, b) => a.data!.length - b.data!.length);
  for (const output of ranked) {
    const verdict = verify(output.data!, reference, ctx.limits.maxPixels);
    if (!verdict.equal) {
      rejected.push(`${output.method} output rejected: ${verdict.detail}`);
      continue;
    }
    return {
      data: output.data!,
      method: output.method,
      lossless: true,
      notes: [...describeChanges(structure, verdict.frames), ...rejected],
    };
  }
  return unchanged(input, rejected.length > 0 ? rejected.join('; ') : 'gifsicle failed on this GIF');
}

/** Decodes a tool's output and compares its animation with the input's. */
export function verify(
  data: Uint8Array,
  reference: DecodedGif,
  maxPixels: number,
): { equal: boolean; detail: string; frames: number; decoded?: DecodedGif } {
  let decoded: DecodedGif;
  try {
    decoded = decodeGifFrames(data, { maxPixels });
  } catch (error) {
    if (!isSquishError(error)) throw error;
    return { equal: false, detail: `does not decode (${error.message})`, frames: 0 };
  }
  return { ...sameAnimation(reference, decoded), frames: decoded.frames.length, decoded };
}

function describeChanges(structure: GifStructure, outputFrames: number): string[] {
  const notes: string[] = [];
  if (structure.comments > 0) notes.push(`${structure.comments} comment(s) removed`);
  if (structure.otherExtensions > 0) notes.push(`${structure.otherExtensions} extension(s) removed`);
  const merged = structure.frames.length - outputFrames;
  if (merged > 0) notes.push(`${merged} frame(s) merged into identical neighbours (timing kept)`);
  return notes;
}

function unchanged(input: Uint8Array, note: string): Candidate {
  return { data: input, method: 'original', lossless: true, notes: [note] };
}
