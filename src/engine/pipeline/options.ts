/**
 * The rules that turn a plan (and an image-set entry) into the transform options of one output
 * format, in one place: when to flatten, when to keep only the first frame, when the pixels must
 * be turned upright.
 */

import { WHITE } from '../../plan/colour.js';
import { ALPHA_FORMATS, ANIMATED_FORMATS, type ImageFormat } from '../../plan/formats.js';
import type { OptimizePlan, OutputSpec } from '../../plan/optimize-plan.js';
import type { EngineLimits } from '../limits.js';
import type { TransformOptions } from './transform.js';

/**
 * Formats whose EXIF orientation tag viewers honour and the metadata writers keep. AVIF viewers
 * follow the container's irot/imir boxes rather than EXIF, and GIF/SVG have no tag.
 */
const ORIENTATION_CARRIERS: ReadonlySet<ImageFormat> = new Set(['jpeg', 'png', 'webp']);

export interface OutputContext {
  plan: OptimizePlan;
  /** The image-set entry, when the plan has `outputs`. */
  output?: OutputSpec;
  /** Its index in plan.outputs, for error messages. */
  outputIndex?: number;
  inputFormat: ImageFormat;
  /** The format being encoded (one entry of a "smallest of" list at a time). */
  outputFormat: ImageFormat;
  limits: EngineLimits;
  deadline?: number;
}

/**
 * TransformOptions for one output:
 * - resize: the entry's, else the plan's;
 * - flattenOnto: the plan's background (default white) when the format has no alpha;
 * - firstFrameOnly when the format cannot animate (the result's notes say so);
 * - autoOrient when asked, and also whenever the tag could not keep the image upright: the
 *   orientation group is not kept, the output is another format (re-encoded anyway, so upright
 *   pixels cost nothing and show right everywhere), or the format carries no honoured tag.
 */
export function transformOptionsFor(context: OutputContext): TransformOptions {
  const { plan, output, outputFormat, limits } = context;
  const resize = output?.resize ?? plan.resize;
  const tagKeepsUpright =
    plan.keep.orientation && outputFormat === context.inputFormat && ORIENTATION_CARRIERS.has(outputFormat);
  const options: TransformOptions = {
    autoOrient: plan.autoOrient === true || !tagKeepsUpright,
    maxOutputDimension: limits.maxOutputDimension,
    maxOutputPixels: limits.maxPixels,
    firstFrameOnly: !ANIMATED_FORMATS.has(outputFormat),
    optionName:
      output?.resize !== undefined && context.outputIndex !== undefined
        ? `outputs[${context.outputIndex}].resize`
        : 'resize',
  };
  if (resize) options.resize = resize;
  if (!ALPHA_FORMATS.has(outputFormat)) options.flattenOnto = plan.background ?? WHITE;
  if (plan.background) options.background = plan.background;
  if (context.deadline !== undefined) options.deadline = context.deadline;
  return options;
}
