/**
 * Whether a minified document still defines ids that nothing refers to: the sign that one svgo
 * pass left definitions it would remove on a second.
 *
 * svgo decides what is referenced once, before the plugins that remove content run. Inkscape
 * keeps a gradient's stops in a "template" gradient that the gradients actually drawn with point
 * at (`xlink:href="#linearGradient1234"`); when removeHiddenElems then drops a hidden element and
 * the gradient it drew with, the template it pointed at stays, still counted as referenced.
 * On oc-server_zazou.svg (the only corpus SVG with ids left unreferenced after one pass) a second
 * pass removed 58 such gradients: 21 790 -> 14 023 bytes. On the other 15 corpus SVGs a second
 * pass saved 0-1.8 % for 30-86 % more svgo time, and none of them has an unreferenced id left,
 * so this test picks the one document worth a second pass for the cost of a scan of its output.
 *
 * A heuristic gate, not a correctness rule (hand-written: a scan of svgo's own output, which
 * writes ids and references in one known way): an id taken for unreferenced costs one more
 * pass, one taken for referenced costs the bytes the pass would have saved.
 */

/** `id="..."` as svgo writes attributes (double quotes, one space before). */
const ID_ATTRIBUTE = /\sid="([^"]+)"/g;
/** What follows `#` in `url(#a)`, `href="#a"` and style sheets; colours like `#fc0` are taken too, harmlessly. */
const FRAGMENT = /#([^\s"'(),;{}]+)/g;

/**
 * Whether `svg` (svgo output) has an id that no `#id` in it refers to, other than those in `kept`
 * (ids the minifier was told to preserve: ARIA and exported ids, unreferenced on purpose).
 */
export function hasOrphanedIds(svg: string, kept: ReadonlySet<string> = new Set()): boolean {
  const referenced = new Set<string>();
  for (const match of svg.matchAll(FRAGMENT)) referenced.add(match[1]!);
  for (const match of svg.matchAll(ID_ATTRIBUTE)) {
    const id = match[1]!;
    if (!referenced.has(id) && !kept.has(id)) return true;
  }
  return false;
}
