/**
 * The transform part of the engine's pipeline: decode once, then derive each output's pixels
 * (orientation, crop/resize/pad, flatten). Encoders take the resulting frames.
 */
export { type Channels, frameAt, type PixelFrames, type RawFrame } from './frames.js';
export {
  anchoredRegion,
  type Geometry,
  type GeometryOp,
  type GeometryOptions,
  planGeometry,
  type Region,
  type ResizeKernel,
} from './geometry.js';
export { type OutputContext, transformOptionsFor } from './options.js';
export { displayedSize, orientFrames, orientOnce } from './orientation.js';
export { type DecodeOptions, decodeSource, type SourceImage } from './source.js';
export { animationOptions, framesToSharp } from './to-sharp.js';
export { applyTransforms, type TransformedImage, type TransformOptions } from './transform.js';
