import type { OptimizePlan } from '../plan/index.js';
import type { EngineLimits } from './limits.js';

export { IMAGE_FORMATS, type ImageFormat } from '../plan/formats.js';

import type { ImageFormat } from '../plan/formats.js';

/** What the engine learns from an image's headers, before any pixel is decoded. */
export interface ImageInfo {
  format: ImageFormat;
  /** Width of one frame in pixels (for SVG: the rendered size at 72 dpi). */
  width: number;
  /** Height of one frame in pixels. */
  height: number;
  /** Number of frames (1 for still images). */
  frames: number;
  hasAlpha: boolean;
  /** libvips interpretation of the colour space, such as 'srgb', 'cmyk', 'b-w', 'rgb16'. */
  space: string;
  /** EXIF orientation 1 to 8, when present. */
  orientation?: number;
  /** Whether an ICC profile is embedded. */
  hasIcc: boolean;
}

/** One encoding the codec proposes; the engine keeps the smallest that is smaller than the input. */
export interface Candidate {
  data: Uint8Array;
  /** Human-readable description of how it was made, e.g. "jpegtran progressive". */
  method: string;
  /** True when every pixel decodes equal to the input's. */
  lossless: boolean;
  /** Encoder quality setting used, for lossy candidates. */
  quality?: number;
  /** SSIMULACRA2 estimate against the input, for lossy candidates. */
  score?: number;
  /** Things the user should know (script removed, frames merged, ...). */
  notes?: string[];
  /**
   * True when the input itself must not be returned (the SVG sanitizer removed something from it):
   * the engine then uses this candidate even when it is not smaller.
   */
  unsafeInput?: boolean;
  /** Output dimensions, when they differ from the input's or were not known from its headers (SVG). */
  width?: number;
  height?: number;
  frames?: number;
}

/** What a codec gets besides the bytes. */
export interface CodecContext {
  info: ImageInfo;
  plan: OptimizePlan;
  limits: EngineLimits;
  /** Epoch milliseconds after which work must stop (checked between steps). */
  deadline: number;
}

/** The per-format optimizer every codec module exports. */
export interface FormatOptimizer {
  readonly format: ImageFormat;
  /** Pixel-exact optimization. Keeps ICC and orientation unless `ctx.plan.keep` says otherwise. */
  lossless(input: Uint8Array, ctx: CodecContext): Promise<Candidate>;
  /** Perceptual optimization aimed at `ctx.plan.target` (or the fixed `ctx.plan.quality`). */
  lossy(input: Uint8Array, ctx: CodecContext): Promise<Candidate>;
}

/** The engine's answer for one input. */
export interface EngineResult {
  inputFormat: ImageFormat;
  format: ImageFormat;
  data: Uint8Array;
  originalSize: number;
  optimizedSize: number;
  savedBytes: number;
  /** The output's width (after any resize). */
  width: number;
  /** The output's height. */
  height: number;
  /** The input's width, as its headers say (for SVG: the 72 dpi size). */
  originalWidth: number;
  /** The input's height. */
  originalHeight: number;
  frames: number;
  /**
   * True when the output's pixels equal the input's (always true when the original came back);
   * for a resized or converted output, when they equal the transformed pixels exactly.
   */
  lossless: boolean;
  /** How the output was made; "original" when the input was already smallest. */
  method: string;
  quality?: number;
  score?: number;
  notes: string[];
  ms: number;
  /**
   * Image sets (plan.outputs): every output in plan order, each with its entry's id. The result's
   * own fields then describe the first of them.
   */
  outputs?: (EngineResult & { id: string })[];
}
