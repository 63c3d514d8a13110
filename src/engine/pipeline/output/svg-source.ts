/**
 * The document an SVG input is rasterized from: never the input itself, but the SVG codec's
 * sanitized (and verified) output, because librsvg would otherwise run whatever the input holds
 * (external references, entity and <use> bombs). The codec also reports the document's size,
 * which the headers probe leaves at zero for SVG.
 */
import { SquishError } from '../../../errors/index.js';
import { svgOptimizer } from '../../codecs/svg/index.js';
import type { EngineLimits } from '../../limits.js';
import type { ImageInfo } from '../../types.js';

export interface SvgRasterSource {
  /** The sanitized document. */
  bytes: Uint8Array;
  /** `info` with the document's size at 72 dpi. */
  info: ImageInfo;
  /** The codec's notes (what the sanitizer removed). */
  notes: string[];
}

/**
 * Sanitizes `input` for rasterizing.
 * @throws SquishError INVALID_SVG for refused documents and for documents whose references
 *   expand too far to render safely; PROCESSING_TIMEOUT past the deadline.
 */
export async function svgRasterSource(
  input: Uint8Array,
  info: ImageInfo,
  limits: EngineLimits,
  deadline: number,
): Promise<SvgRasterSource> {
  const candidate = await svgOptimizer.lossless(input, {
    info,
    plan: { lossy: false, keep: { icc: false, orientation: false } },
    limits,
    deadline,
  });
  const notes = candidate.notes ?? [];
  // The codec itself declined to render this document (see its MAX_REFERENCED_ELEMENTS).
  if (notes.some((note) => /too many to verify by rendering/.test(note))) {
    throw new SquishError('INVALID_SVG', 'The SVG references expand to too many elements to rasterize.');
  }
  const width = Math.round(candidate.width ?? 0);
  const height = Math.round(candidate.height ?? 0);
  if (!(width > 0 && height > 0)) {
    throw new SquishError('INVALID_SVG', 'The SVG document declares no size to rasterize at.');
  }
  return { bytes: candidate.data, info: { ...info, width, height }, notes };
}
