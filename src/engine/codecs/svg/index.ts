/**
 * The SVG codec: sanitize (always) and minify with svgo, verified by rendering with librsvg.
 * See optimize-svg.ts for the pipeline and sanitize.ts for what is removed.
 *
 * The codec is loaded on the first SVG: importing svgo (with css-tree and csso) took 355 ms of an
 * engine process's 850 ms start on this 2-core machine, paid by every process that only ever sees
 * raster images, and again each time the pool replaces one.
 */
import type { Candidate, CodecContext, FormatOptimizer } from '../../types.js';

let codec: Promise<typeof import('./optimize-svg.js')> | undefined;

function optimizeSvg(input: Uint8Array, ctx: CodecContext): Promise<Candidate> {
  codec ??= import('./optimize-svg.js');
  return codec.then((loaded) => loaded.optimizeSvg(input, ctx));
}

/** SVG optimizer: both modes sanitize; lossy mode may also round coordinates more coarsely. */
export const svgOptimizer: FormatOptimizer = {
  format: 'svg',
  lossless: (input, ctx) => optimizeSvg(input, { ...ctx, plan: { ...ctx.plan, lossy: false } }),
  lossy: (input, ctx) => optimizeSvg(input, { ...ctx, plan: { ...ctx.plan, lossy: true } }),
};
