/**
 * Facts about a sanitized document gathered during the same svgo parse: how many elements a
 * renderer would instantiate, how many of them cost per pixel, and the document's own size when
 * it can be read without librsvg.
 */
import type { CustomPlugin, XastChild, XastRoot } from 'svgo';
import { countElements, countExpandedElements } from './use-expansion.js';

/** The document's size in pixels at 72 dpi, as librsvg sizes it. */
export interface DocumentSize {
  width: number;
  height: number;
  /** Sized in physical units (pt, mm...): sharp then applies its density twice (see verify.ts). */
  physical?: boolean;
}

/** What {@link createAnalysisPlugin} found. */
export interface DocumentFacts {
  /** Elements written in the document. */
  elements: number;
  /** Elements instantiated with `<use>`/href references expanded (capped, see the plugin). */
  expanded: number;
  /** Elements whose render cost grows with the pixels drawn (see {@link PIXEL_BOUND_ELEMENTS}). */
  pixelBound: number;
  /** Size from absolute width/height (or the viewBox when both are absent); undefined otherwise. */
  size?: DocumentSize;
}

/**
 * Elements librsvg draws through offscreen surfaces or per-pixel work: filters (a blur's radius
 * grows with the scale), masks, embedded images (decoded and resampled) and patterns. A document
 * with any of them can cost far more at 1024 px than at 256: adwaita's icon (a 1024x800 PNG drawn
 * through a mask and a filter) took about 400 ms at 1024 px against 50-90 at 256, while the
 * corpus SVGs without them rendered at 1024 px in 1.5 to 3 times their 256 px time.
 */
export const PIXEL_BOUND_ELEMENTS: ReadonlySet<string> = new Set(['filter', 'mask', 'image', 'pattern']);

function countPixelBound(children: readonly XastChild[]): number {
  let count = 0;
  for (const child of children) {
    if (child.type !== 'element') continue;
    if (PIXEL_BOUND_ELEMENTS.has(child.name)) count++;
    count += countPixelBound(child.children);
  }
  return count;
}

const LENGTH = /^\s*((?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*(px|pt|pc|in|cm|mm)?\s*$/i;
/** Pixels per unit at 72 dpi, librsvg's resolution when sharp's density is 72. */
const PX_PER_UNIT: Record<string, number> = { px: 1, pt: 1, pc: 12, in: 72, cm: 72 / 2.54, mm: 72 / 25.4 };

function readLength(value: string | undefined): { px: number; physical: boolean } | undefined {
  const match = value === undefined ? null : LENGTH.exec(value);
  if (!match) return undefined;
  const unit = (match[2] ?? 'px').toLowerCase();
  const px = Number.parseFloat(match[1]!) * PX_PER_UNIT[unit]!;
  return px > 0 && Number.isFinite(px) ? { px, physical: unit !== 'px' } : undefined;
}

/**
 * The root's size from absolute width and height (px or physical units), or from the viewBox when
 * both are absent. Percentages and font-relative units are left to librsvg (undefined).
 */
export function readDocumentSize(root: XastRoot): DocumentSize | undefined {
  const svg = root.children.find((child) => child.type === 'element');
  if (svg?.type !== 'element') return undefined;
  const { width, height, viewBox } = svg.attributes;
  if (width === undefined && height === undefined && viewBox !== undefined) {
    const parts = viewBox
      .trim()
      .split(/[\s,]+/)
      .map(Number);
    const [w, h] = [parts[2], parts[3]];
    return parts.length === 4 && w !== undefined && h !== undefined && w > 0 && h > 0
      ? { width: w, height: h }
      : undefined;
  }
  const w = readLength(width);
  const h = readLength(height);
  if (w === undefined || h === undefined) return undefined;
  return { width: w.px, height: h.px, physical: w.physical || h.physical };
}

/**
 * An svgo plugin storing {@link DocumentFacts} of the tree it sees into `out`. Expansion is counted
 * only up to `maxReferenced` elements beyond those written (enough to decide, bounded in cost).
 */
export function createAnalysisPlugin(out: DocumentFacts, maxReferenced: number): CustomPlugin {
  return {
    name: 'squishAnalyse',
    fn: (root) => {
      out.elements = countElements(root.children);
      out.expanded = countExpandedElements(root, out.elements + maxReferenced);
      out.pixelBound = countPixelBound(root.children);
      out.size = readDocumentSize(root);
      return null;
    },
  };
}
