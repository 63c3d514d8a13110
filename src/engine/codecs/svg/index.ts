/**
 * The SVG codec: sanitize (always) and minify with svgo, verified by rendering with librsvg.
 * See optimize-svg.ts for the pipeline and sanitize.ts for what is removed.
 */
import type { FormatOptimizer } from '../../types.js';
import { optimizeSvg } from './optimize-svg.js';

/** SVG optimizer: both modes sanitize; lossy mode may also round coordinates more coarsely. */
export const svgOptimizer: FormatOptimizer = {
  format: 'svg',
  lossless: (input, ctx) => optimizeSvg(input, { ...ctx, plan: { ...ctx.plan, lossy: false } }),
  lossy: (input, ctx) => optimizeSvg(input, { ...ctx, plan: { ...ctx.plan, lossy: true } }),
};
