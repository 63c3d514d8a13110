/**
 * The byte-level path: the format's own optimizer on the input bytes (no decode to pipeline
 * pixels), used when an output is the input's format with nothing transformed. Adds the metadata
 * groups beyond appearance (date, copyright, geotag) when the plan keeps them, which the codecs
 * themselves strip.
 */
import type { OptimizePlan } from '../../../plan/index.js';
import { toSquishError } from '../../codec-errors.js';
import { optimizerFor } from '../../codecs/registry.js';
import type { EngineLimits } from '../../limits.js';
import {
  buildMetadataBlocks,
  type MetadataFormat,
  readMetadata,
  type SourceMetadata,
  writeMetadata,
} from '../../metadata/index.js';
import type { Candidate, ImageInfo } from '../../types.js';

/** Whether the plan keeps a group the codecs strip (date, copyright, geotag). */
export function keepsExtraMetadata(plan: Pick<OptimizePlan, 'keep'>): boolean {
  return plan.keep.date === true || plan.keep.copyright === true || plan.keep.geotag === true;
}

/**
 * Formats whose byte path gets the extra groups written back: every format the metadata module
 * writes. (AVIF's lossless path hands the input back; rewritten, its replaced items stay in the
 * file unreferenced, so the result is rarely smaller and the original, with all its tags, is
 * returned by the never-larger rule.)
 */
const EXTRA_METADATA_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'avif']);

/**
 * The codec's lossless or lossy candidate for `input`, with the plan's extra metadata groups.
 * `sourceMetadata` is read from `input` when not given (image sets read it once).
 */
export async function optimizeBytes(
  input: Uint8Array,
  info: ImageInfo,
  plan: OptimizePlan,
  limits: EngineLimits,
  deadline: number,
  sourceMetadata?: SourceMetadata,
): Promise<Candidate> {
  const optimizer = optimizerFor(info.format);
  const ctx = { info, plan, limits, deadline };
  let candidate: Candidate;
  try {
    candidate = plan.lossy ? await optimizer.lossy(input, ctx) : await optimizer.lossless(input, ctx);
  } catch (error) {
    throw toSquishError(error, info.format);
  }
  if (!keepsExtraMetadata(plan) || !EXTRA_METADATA_FORMATS.has(info.format)) return candidate;
  const format = info.format as MetadataFormat;
  const source = sourceMetadata ?? (await readMetadata(input, info.format));
  // Appearance stays as the codec made it: its ICC profile (kept only where its pixels are still
  // in the source's space) and its orientation tag. Only the extra groups come from the source.
  const made = await readMetadata(candidate.data, format);
  const blocks = buildMetadataBlocks(
    { ...source, icc: made.icc },
    { ...plan.keep, icc: true, orientation: true, outputOrientation: made.orientation ?? 1 },
    format,
  );
  const written = writeMetadata(candidate.data, format, blocks);
  return {
    ...candidate,
    data: written.data,
    notes: [...(candidate.notes ?? []), ...source.notes, ...written.notes],
  };
}
