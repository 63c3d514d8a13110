/**
 * The density an SVG is rasterized at for one output: an output that enlarges an SVG is sharper
 * rendered larger than scaled up. Only strategies that aim at an absolute size get a higher
 * density; those defined relative to the image (crop rect in pixels, scale in percent) and those
 * that never enlarge (portrait, landscape, auto) are computed on the 72 dpi size, as reported.
 */
import type { ResizeStep } from '../../../plan/index.js';
import type { EngineLimits } from '../../limits.js';
import type { ImageInfo } from '../../types.js';
import { planGeometry } from '../geometry.js';

/** librsvg's (and ImageInfo's) nominal density for an SVG's own size. */
export const SVG_BASE_DENSITY = 72;

const ABSOLUTE_SIZE: ReadonlySet<string> = new Set(['exact', 'fit', 'fill', 'square']);

/** Dots per inch to rasterize `info` (an SVG) at for an output resized by `resize`. */
export function svgDensityFor(info: ImageInfo, resize: ResizeStep | undefined, limits: EngineLimits): number {
  if (!resize || !ABSOLUTE_SIZE.has(resize.strategy)) return SVG_BASE_DENSITY;
  const geometry = planGeometry(info.width, info.height, resize, {
    maxOutputDimension: limits.maxOutputDimension,
    maxOutputPixels: limits.maxPixels,
  });
  const scale = Math.max(geometry.width / info.width, geometry.height / info.height);
  if (scale <= 1) return SVG_BASE_DENSITY;
  // Bounded so that the rasterized SVG stays within the pixel limit and the largest side.
  const byPixels = Math.sqrt(limits.maxPixels / Math.max(1, info.width * info.height));
  const bySide = limits.maxOutputDimension / Math.max(info.width, info.height);
  const bounded = Math.min(Math.ceil(scale), Math.floor(Math.min(byPixels, bySide)));
  return SVG_BASE_DENSITY * Math.max(1, bounded);
}
