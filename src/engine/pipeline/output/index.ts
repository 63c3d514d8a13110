/**
 * The output side of the engine's pipeline: encoders from transformed pixels, format conversion
 * ("smallest of" lists), image sets, and the byte path for untouched outputs.
 */
export { keepsExtraMetadata, optimizeBytes } from './byte-path.js';
export { VISUALLY_LOSSLESS_TARGET } from './encode-jpeg.js';
export { encodeOutput } from './encode-output.js';
export {
  formatsOf,
  needsPipeline,
  type PipelineOutput,
  type PipelineRun,
  runPipeline,
} from './run-pipeline.js';
export type { OutputSettings } from './settings.js';
export { svgDensityFor } from './svg-density.js';
