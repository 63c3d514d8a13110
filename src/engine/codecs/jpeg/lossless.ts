/**
 * Lossless JPEG optimization: the same DCT coefficients, re-coded by jpegtran with optimized
 * Huffman tables in several layouts (baseline and progressive scan scripts), the smallest kept,
 * and all metadata dropped except what changes appearance.
 */
import type { Candidate, CodecContext } from '../../types.js';
import { appearanceSegments } from './appearance.js';
import { hasJpegtran, JPEGTRAN, runJpegtran } from './jpegtran.js';
import { CHROMA_REFINED, SEPARATE_DC, scanScriptFile } from './scan-scripts.js';
import { insertSegments, type JpegHeader, readJpegHeader } from './segments.js';
import { stripMetadata } from './strip.js';

interface CodingVariant {
  method: string;
  args: string[];
}

/**
 * The layouts worth trying for this frame. They run in parallel: baseline wins on small or
 * flat images and on CMYK, the scan scripts on photos (see scan-scripts.ts for the measurements).
 */
function codingVariants(header: JpegHeader): CodingVariant[] {
  const baseline = { method: 'jpegtran baseline optimized', args: ['-optimize'] };
  if (header.components !== 3) {
    return [baseline, { method: 'jpegtran progressive', args: ['-optimize', '-progressive'] }];
  }
  return [
    baseline,
    {
      method: 'jpegtran progressive (separate DC)',
      args: ['-optimize', '-scans', scanScriptFile('separate-dc', SEPARATE_DC)],
    },
    {
      method: 'jpegtran progressive (refined chroma)',
      args: ['-optimize', '-scans', scanScriptFile('chroma-refined', CHROMA_REFINED)],
    },
  ];
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
    codingVariants(header).map(
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
