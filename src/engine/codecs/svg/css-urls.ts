/**
 * Neutralizes the parts of CSS text (a `<style>` sheet, a `style` attribute, or a presentation
 * attribute such as `fill="url(...)"`) that make a viewer fetch or run something outside the
 * document: `@import`, `url(...)` targets other than `#fragment` or a raster `data:image`, and
 * `javascript:` anywhere.
 *
 * Why hand-written: css-tree (svgo's own CSS parser) is not a direct dependency, and the job is
 * narrow: decide per URL token and replace it with `none`, which is valid wherever a paint, filter,
 * clip-path, mask, marker or cursor URL is (and makes any other declaration invalid, so ignored).
 * CSS escapes and comments are decoded first, so `\75 rl(` and `u/**\/rl(` cannot hide a URL.
 */
import { classifyUrl, compactUrl } from './urls.js';

/** What {@link sanitizeCss} removed. */
export interface CssRemovals {
  externalReferences: number;
  javascriptUrls: number;
  imports: number;
}

/**
 * Drops comments (outside strings, as CSS does: `"/*"` is not a comment) and decodes escapes
 * (`\\75` is `u`), giving the text a browser tokenizes.
 */
function normalizeCss(text: string): string {
  return text
    .replace(/"(?:[^"\\\n]|\\[\s\S])*"?|'(?:[^'\\\n]|\\[\s\S])*'?|\/\*[\s\S]*?(?:\*\/|$)/g, (token) =>
      token.startsWith('/*') ? '' : token,
    )
    .replace(
      /\\([0-9a-fA-F]{1,6})[ \t\n\r\f]?|\\([^\n\r\f0-9a-fA-F])/g,
      (_m, hex: string | undefined, ch) => {
        if (hex === undefined) return ch as string;
        const code = Number.parseInt(hex, 16);
        return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
          ? String.fromCodePoint(code)
          : '\ufffd';
      },
    );
}

/** Whether every `url(` left in `text` starts with a `#fragment` or a raster `data:image`. */
function onlySafeUrlsLeft(text: string): boolean {
  const compact = text.replace(/\s+/g, '').toLowerCase();
  for (let at = compact.indexOf('url('); at >= 0; at = compact.indexOf('url(', at + 4)) {
    const rest = compact.slice(at + 4).replace(/^["']/, '');
    const kind = classifyUrl(rest.slice(0, Math.max(0, rest.search(/["')]/))) || rest);
    if (kind !== 'local' && kind !== 'data-image') return false;
  }
  return true;
}

const URL_TOKEN = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^)"']*?))\s*\)/gi;
const IMPORT_RULE = /@import\b[^;]*(?:;|$)/gi;
/** Functions that take bare strings as image URLs (no `url(` around them). */
const IMAGE_FUNCTION = /(?:-webkit-)?image(?:-set)?\(([^()]*(?:\([^()]*\)[^()]*)*)\)/gi;

/**
 * Returns `text` with external references replaced by `none` and `@import` rules removed, plus
 * counts; returns the text unchanged (same string) when nothing needed removing.
 */
export function sanitizeCss(text: string): { text: string; removed: CssRemovals } {
  const removed: CssRemovals = { externalReferences: 0, javascriptUrls: 0, imports: 0 };
  const lower = text.toLowerCase();
  // Fast path: nothing that can reference anything.
  if (!/url|@import|image|script:|\\|\/\*/.test(lower)) return { text, removed };
  const normalized = normalizeCss(text);
  let changed = false;
  let result = normalized.replace(IMPORT_RULE, () => {
    removed.imports++;
    changed = true;
    return '';
  });
  result = result.replace(
    URL_TOKEN,
    (match, dq: string | undefined, sq: string | undefined, bare: string) => {
      const kind = classifyUrl(dq ?? sq ?? bare);
      if (kind === 'local' || kind === 'data-image') return match;
      if (kind === 'script') removed.javascriptUrls++;
      else removed.externalReferences++;
      changed = true;
      return 'none';
    },
  );
  result = result.replace(IMAGE_FUNCTION, (match, args: string) => {
    const strings = args.match(/"[^"]*"|'[^']*'/g) ?? [];
    const external = strings.some((s) => {
      const kind = classifyUrl(s.slice(1, -1));
      return kind !== 'local' && kind !== 'data-image';
    });
    if (!external) return match;
    removed.externalReferences++;
    changed = true;
    return 'none';
  });
  if (/(?:java|vb)script:/.test(compactUrl(result)) || !onlySafeUrlsLeft(result)) {
    // Left over outside any recognised url(): legacy `expression`/`behavior` tricks, or a URL
    // written in a way the patterns above did not take apart. Drop the whole text rather than guess.
    removed.javascriptUrls++;
    return { text: '', removed };
  }
  return { text: changed ? result : text, removed };
}
