/**
 * Estimates how many elements a renderer instantiates once `<use>` (and any other `href="#id"`)
 * references and markers are expanded. Nested references multiply: ten `<use>` of a group of ten
 * `<use>` of ... is the SVG form of billion laughs, and librsvg spent ~15 s on such a file before
 * giving up (notes/codecs.md §8); a marker is drawn at every vertex of a path, so a 20 000-point
 * polyline with a 200-element marker kept librsvg busy for minutes (sharp's timeout does not
 * interrupt librsvg). Counting on the parsed tree costs one linear pass and decides, before any
 * render, whether rendering is affordable. Markers set from `<style>` rules are not counted.
 */
import type { XastElement, XastRoot } from 'svgo';

function referencedId(element: XastElement): string | undefined {
  const href = element.attributes.href ?? element.attributes['xlink:href'];
  const trimmed = href?.trim();
  return trimmed?.startsWith('#') ? trimmed.slice(1) : undefined;
}

const MARKER_PROPERTIES = ['marker', 'marker-start', 'marker-mid', 'marker-end'] as const;
const LOCAL_URL = /url\(\s*["']?#([^"')\s]+)/;
const STYLE_DECLARATION = Object.fromEntries(
  MARKER_PROPERTIES.map((property) => [property, new RegExp(`(?:^|;)\\s*${property}\\s*:([^;]*)`, 'i')]),
) as Record<(typeof MARKER_PROPERTIES)[number], RegExp>;

/** Marker ids an element draws, from its attributes and its style attribute. */
function markerIds(element: XastElement): { id: string; mid: boolean }[] {
  const found: { id: string; mid: boolean }[] = [];
  const style = element.attributes.style;
  const styled = style?.includes('marker') ? style : undefined;
  for (const property of MARKER_PROPERTIES) {
    const fromStyle = styled === undefined ? undefined : STYLE_DECLARATION[property].exec(styled)?.[1];
    const value = fromStyle ?? element.attributes[property];
    const id = value === undefined ? undefined : LOCAL_URL.exec(value)?.[1];
    // `marker` is the shorthand for all three positions.
    if (id !== undefined) found.push({ id, mid: property === 'marker' || property === 'marker-mid' });
  }
  return found;
}

/** An upper estimate of a shape's vertex count: half the numbers in its geometry. */
function vertexCount(element: XastElement): number {
  const geometry = element.attributes.d ?? element.attributes.points ?? '';
  return Math.max(2, Math.ceil((geometry.match(/[\d.]+/g)?.length ?? 0) / 2));
}

/**
 * Number of elements rendered with references expanded, stopping early once above `cap`
 * (the answer is then some number above `cap`). Reference cycles count once (renderers refuse them).
 */
export function countExpandedElements(root: XastRoot, cap: number): number {
  const byId = new Map<string, XastElement>();
  const collect = (children: XastRoot['children']) => {
    for (const child of children) {
      if (child.type !== 'element') continue;
      const id = child.attributes.id;
      if (id !== undefined && !byId.has(id)) byId.set(id, child);
      collect(child.children);
    }
  };
  collect(root.children);

  const cost = new Map<XastElement, number>();
  const inProgress = new Set<XastElement>();
  const measure = (element: XastElement): number => {
    const known = cost.get(element);
    if (known !== undefined) return known;
    if (inProgress.has(element)) return 0;
    inProgress.add(element);
    let total = 1;
    for (const child of element.children) {
      if (child.type === 'element') total += measure(child);
      if (total > cap) break;
    }
    const id = referencedId(element);
    const target = id === undefined ? undefined : byId.get(id);
    if (target && total <= cap) total += measure(target);
    for (const marker of markerIds(element)) {
      const definition = byId.get(marker.id);
      if (!definition || total > cap) continue;
      total += (marker.mid ? vertexCount(element) : 1) * measure(definition);
    }
    inProgress.delete(element);
    const bounded = Math.min(total, cap + 1);
    cost.set(element, bounded);
    return bounded;
  };
  let total = 0;
  for (const child of root.children) {
    if (child.type === 'element') total += measure(child);
  }
  return Math.min(total, cap + 1);
}

/** Number of elements written in the document (references not expanded). */
export function countElements(children: XastRoot['children']): number {
  let n = 0;
  for (const child of children) if (child.type === 'element') n += 1 + countElements(child.children);
  return n;
}
