export { parseColour, type Rgba, WHITE } from './colour.js';
export {
  ALPHA_FORMATS,
  ANIMATED_FORMATS,
  FORMAT_CONTENT_TYPE,
  FORMAT_EXTENSION,
  FORMAT_NAME_EXTENSIONS,
  IMAGE_EXTENSIONS,
  IMAGE_FORMATS,
  type ImageFormat,
} from './formats.js';
export {
  type AppearanceMetadata,
  type ChromaSubsampling,
  DEFAULT_LOSSY_TARGET,
  DEFAULT_PLAN,
  type FormatChoice,
  MAX_OUTPUTS,
  type OptimizePlan,
  type OutputOverrides,
  type OutputSpec,
  type PlanInput,
  parsePlan,
} from './optimize-plan.js';
export {
  type CropRect,
  GRAVITIES,
  type Gravity,
  parseResize,
  RESIZE_STRATEGIES,
  type ResizeStep,
  type ResizeStrategy,
  SMART_GRAVITIES,
} from './resize.js';
