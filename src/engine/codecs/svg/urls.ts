/**
 * Classifies a URL found in an SVG (href, xlink:href, CSS url()) the way the sanitizer decides on it.
 */

/** `local`: `#fragment`; `data-image`: a raster `data:image/...` URI; `script`: javascript:/vbscript:; `external`: anything else. */
export type UrlKind = 'local' | 'data-image' | 'script' | 'external';

/** Raster image types an SVG may embed inline. SVG data URIs are excluded: they are documents of their own. */
const DATA_IMAGE = /^data:image\/(?:png|jpe?g|gif|webp|avif|bmp)[;,]/;

/**
 * Characters of a compacted URL the scheme checks read: more than the longest prefix they test
 * (`data:image/jpeg;`, 16). Compacting only this much keeps a path's `d` or a base64 image (100 kB
 * and more, checked on every attribute) from costing a copy of the whole value.
 */
export const SCHEME_PREFIX_LENGTH = 32;

/** ASCII whitespace and control characters, which URL parsers skip. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters to find
const SKIPPED_IN_URLS = /[\x00-\x20\x7f]/;

/**
 * `raw` lower-cased without ASCII whitespace and control characters, which URL parsers skip; only
 * its first `limit` remaining characters when a caller tests a prefix.
 */
export function compactUrl(raw: string, limit = Number.POSITIVE_INFINITY): string {
  // The sanitizer compacts every attribute value of every element, in every svgo pass; nearly all
  // hold no character to skip in their first `limit`, and then those are the result as they are.
  const head = raw.length > limit ? raw.slice(0, limit) : raw;
  if (!SKIPPED_IN_URLS.test(head)) return head.toLowerCase();
  let out = '';
  for (let i = 0; i < raw.length && out.length < limit; i++) {
    const code = raw.charCodeAt(i);
    if (code > 0x20 && code !== 0x7f) out += raw[i];
  }
  return out.toLowerCase();
}

/**
 * Classifies `raw` (already entity-decoded by the XML parser). Browsers ignore ASCII whitespace and
 * control characters inside a scheme and compare it case-insensitively, so `java&#9;script:` and
 * ` JaVaScRiPt:` are recognised too.
 */
export function classifyUrl(raw: string): UrlKind {
  const compact = compactUrl(raw, SCHEME_PREFIX_LENGTH);
  if (compact.startsWith('#') && compact.length > 1) return 'local';
  if (DATA_IMAGE.test(compact)) return 'data-image';
  if (/^(?:java|vb)script:/.test(compact)) return 'script';
  return 'external';
}
