/**
 * Facts about a sanitized document gathered during the same svgo parse: how many elements a
 * renderer would instantiate, and the document's own size when it can be read without librsvg.
 */
import type { CustomPlugin, XastRoot } from 'svgo';
import { countElements, countExpandedElements } from './use-expansion.js';

/** The document's size in CSS pixels at 72 dpi, as librsvg sizes it. */
export interface DocumentSize {
  width: number;
  height: number;
}

/** What {@link createAnalysisPlugin} found. */
export interface DocumentFacts {
  /** Elements written in the document. */
  elements: number;
  /** Elements instantiated with `<use>`/href references expanded (capped, see the plugin). */
  expanded: number;
  /** Size from plain numeric width/height (or the viewBox when both are absent); undefined otherwise. */
  size?: DocumentSize;
}

const PLAIN_LENGTH = /^\s*(\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?\s*(?:px)?\s*$/i;

function plainLength(value: string | undefined): number | undefined {
  if (value === undefined || !PLAIN_LENGTH.test(value)) return undefined;
  const n = Number.parseFloat(value);
  return n > 0 && Number.isFinite(n) ? n : undefined;
}

/**
 * The root's size when it needs no unit conversion: numeric or px width and height, or a viewBox
 * when both are absent. Physical units and percentages are left to librsvg (undefined).
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
  const w = plainLength(width);
  const h = plainLength(height);
  return w !== undefined && h !== undefined ? { width: w, height: h } : undefined;
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
      out.size = readDocumentSize(root);
      return null;
    },
  };
}
