/**
 * Lossless JPEG optimization: the same DCT coefficients, re-coded by jpegtran with optimized
 * Huffman tables in several layouts (baseline and progressive scan scripts), the smallest kept,
 * and all metadata dropped except what changes appearance.
 */
import type { Candidate, CodecContext } from '../../types.js';
import { appearanceSegments } from './appearance.js';
import { hasJpegtran, JPEGTRAN, runJpegtran } from './jpegtran.js';
import { SEPARATE_DC, scanScriptFile } from './scan-scripts.js';
import { insertSegments, type JpegHeader, readJpegHeader } from './segments.js';
import { stripMetadata } from './strip.js';

interface CodingVariant {
  method: string;
  args: string[];
}

/** Inputs below this size also try baseline and the default progression (see codingVariants). */
const SMALL_INPUT_BYTES = 128 * 1024;

/**
 * The layouts worth trying for this frame, run in parallel. On the corpus (scan-scripts.ts) the
 * SEPARATE_DC script beat default progressive on every YCbCr file above 128 KiB; below it, baseline
 * (FreshFlower, the CMYK sample) or the default progression (the 128x128 hopper) can win, and those
 * runs cost little more than a process spawn. CHROMA_REFINED would save a further 0.17 % of the
 * corpus (3 large files of 20) for twice the CPU time per file, so it is not run.
 */
function codingVariants(header: JpegHeader, inputBytes: number): CodingVariant[] {
  const baseline = { method: 'jpegtran baseline optimized', args: ['-optimize'] };
  const progressive = { method: 'jpegtran progressive', args: ['-optimize', '-progressive'] };
  if (header.components !== 3) return [baseline, progressive];
  const separateDc = {
    method: 'jpegtran progressive (separate DC)',
    args: ['-optimize', '-scans', scanScriptFile('separate-dc', SEPARATE_DC)],
  };
  return inputBytes < SMALL_INPUT_BYTES ? [separateDc, baseline, progressive] : [separateDc];
}

/**
 * Pixel-exact optimization of a JPEG (see {@link FormatOptimizer.lossless}).
 * @throws SquishError CORRUPT_IMAGE for corrupt or truncated data.
 */
export async function optimizeJpegLossless(input: Uint8Array, ctx: CodecContext): Promise<Candidate> {
  const header = readJpegHeader(input);
  const kept = appearanceSegments(input, header, ctx.plan.keep, ctx.info.orientation);
  // The original entropy coding with metadata stripped: sometimes already optimal (an input that
  // came out of jpegtran or mozjpeg), and the only option when jpegtran is missing.
  const stripped: Candidate = {
    data: stripMetadata(input, header, kept),
    method: 'metadata stripped',
    lossless: true,
  };
  if (!hasJpegtran()) {
    return {
      ...stripped,
      notes: [`${JPEGTRAN} is not installed: metadata stripped, entropy coding kept as it was`],
    };
  }
  const recoded = await Promise.all(
    codingVariants(header, input.length).map(
      async (variant): Promise<Candidate> => ({
        data: insertSegments(await runJpegtran(input, variant.args, ctx.deadline), kept),
        method: variant.method,
        lossless: true,
      }),
    ),
  );
  return [stripped, ...recoded].reduce((best, candidate) =>
    candidate.data.length < best.data.length ? candidate : best,
  );
}
