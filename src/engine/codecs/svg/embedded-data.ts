/**
 * How much of a document is embedded data: `data:` URIs (base64 PNGs, JPEGs, fonts) in attributes
 * and CSS. svgo cannot shrink them, and what draws them can make a render dear, so a document made
 * mostly of them gains little from minification that must be checked by rendering.
 */

/**
 * Documents at least this share of whose characters are `data:` URIs get the structural cleanup
 * alone (optimize-svg.ts): whatever the preset could add on top is bounded by the markup around
 * the data, at most a fifth of the document here. On the corpus only adwaita's icon is above it:
 * 89 % of its 45 KB are nine 1024x800 PNGs drawn through masks and a colour-matrix filter. The
 * preset saved 548 bytes (1.2 % of the input) more than the structural cleanup, and its render
 * check took two renders of about 100 ms each at 256 px (490 ms at 1024 px; the cost is in
 * librsvg's mask and filter surfaces, not in decoding the PNGs: an 8 px placeholder image was no
 * cheaper), against 2 ms for the structural pass.
 */
export const EMBEDDED_DATA_SHARE = 0.8;

/**
 * A `data:` URI, up to the quote, parenthesis or tag delimiter that ends its attribute value or
 * `url()`. Whitespace stays inside (base64 may be wrapped); `\b` keeps `metadata:` out.
 */
const DATA_URI = /\bdata:[^"'()<>]*/gi;

/** Share of `text`'s characters inside `data:` URIs, from 0 to 1. */
export function embeddedDataShare(text: string): number {
  if (text.length === 0) return 0;
  let embedded = 0;
  for (const match of text.matchAll(DATA_URI)) embedded += match[0].length;
  return embedded / text.length;
}
