/**
 * What one output's encoder needs besides the pixels: the plan's (or image-set entry's) lossy
 * settings and the metadata groups to write.
 */
import type { ChromaSubsampling } from '../../../plan/index.js';
import type { EngineLimits } from '../../limits.js';
import type { KeepMetadata, SourceMetadata } from '../../metadata/index.js';

/** Encoder settings of one output (the plan's, with an image-set entry's overrides applied). */
export interface OutputSettings {
  /** false: pixel-exact where the format can (see encodeOutput); true: the perceptual search. */
  lossy: boolean;
  /** Fixed encoder quality instead of the search (lossy only). */
  quality?: number;
  /** SSIMULACRA2 target of the search (default DEFAULT_LOSSY_TARGET). */
  target?: number;
  /** JPEG chroma subsampling; chosen per image when absent. */
  chromaSubsampling?: ChromaSubsampling;
  /**
   * The source's metadata and the groups to keep. The pipeline's pixels are sRGB, so the source's
   * ICC profile is never written into them (see writeOutputMetadata).
   */
  metadata?: { source: SourceMetadata; keep: KeepMetadata };
  limits: EngineLimits;
}
