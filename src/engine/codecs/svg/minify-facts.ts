/**
 * What a document's text tells the minifier to respect: facts the render check cannot see for
 * itself. librsvg draws one still frame, in no media but its own and with no pointer over it, and
 * reads no `var()`; nothing in a render shows what a screen reader reads or what other files use.
 * A minification that breaks an animation, a dark-mode or hover rule, CSS that only a style
 * attribute takes, an accessible name or a sprite's symbols renders the same there and would pass.
 */

/** See {@link minifyFacts}. */
export interface MinifyFacts {
  /**
   * The document has a `<style>` sheet. Without one, minifyStyles only runs csso over each `style`
   * attribute: on the corpus (16 SVGs, none with a sheet) that was 13 % of the preset's CPU time
   * for 0.2 % of its bytes (2 690 of 1.09 MB saved), so it runs only when a sheet is there to shrink.
   */
  sheet: boolean;
  /**
   * Some `style` attribute holds CSS that means something else, or nothing, in a presentation
   * attribute: a `transform` declaration (CSS syntax such as `rotate(0.05turn)`, which the
   * attribute reads otherwise) or a function other than `url()` and the colour functions
   * (`var()`, `calc()`, filter and shape functions), which SVG 1.1 attributes do not take: Chromium
   * reads `var()` in an attribute, but librsvg reads it nowhere, so the render check cannot tell
   * whether a renderer would.
   */
  cssOnlyInline: boolean;
  /** SMIL animation elements, or CSS animations or transitions. */
  animated: boolean;
  /**
   * CSS rules that apply only in some conditions: `@media` (dark mode: `prefers-color-scheme`),
   * `@supports`, `@container`, or user-action pseudo-classes (`:hover`, `:focus`, …).
   */
  conditionalStyles: boolean;
  /** Some animation changes path data (SMIL `attributeName="d"`, CSS `d: path(...)`). */
  animatesPathData: boolean;
  /**
   * Ids that ARIA attributes name (`aria-labelledby="title desc"`): svgo's cleanupIds counts only
   * `#id` references, so it would drop them and leave the accessible name pointing nowhere.
   */
  ariaIds: string[];
  /**
   * Ids of `<symbol>` and `<view>` elements: what other files use (`<use href="icons.svg#home">`,
   * `icons.svg#zoomed`). Nothing in the document needs them, so svgo would drop the ids and remove
   * the symbols as unused, and the render check would pass that: symbols do not draw.
   */
  exportedIds: string[];
}

/** The facts that allow the least: used when the text was not read. */
export const UNKNOWN_FACTS: Readonly<MinifyFacts> = Object.freeze({
  sheet: true,
  cssOnlyInline: true,
  animated: true,
  conditionalStyles: true,
  animatesPathData: true,
  ariaIds: [],
  exportedIds: [],
});

/** `transform:` opening a declaration (not `text-transform:`). */
const TRANSFORM_DECLARATION = /(?:^|[;\s])transform\s*:/;
/** A CSS function other than `url()` and the colour functions. */
const CSS_FUNCTION = /(?<![\w-])(?!(?:url|rgba?|hsla?)\()[a-z-]+\(/i;
const STYLE_ATTRIBUTE = /\bstyle\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const SHEET = /<(?:[\w.-]+:)?style[\s>]/;
const SMIL_ELEMENT = /<(?:[\w.-]+:)?(?:animate|animateTransform|animateMotion|animateColor|set)[\s/>]/;
const CSS_ANIMATION = /@(?:-webkit-)?keyframes|\b(?:animation|transition)(?:-[a-z]+)?\s*:/;
const CONDITIONAL_CSS =
  /@(?:media|supports|container)\b|:(?:hover|focus|focus-visible|focus-within|active|visited|link|target|checked|enabled|disabled)\b/;
/** ARIA attributes whose value is a list of ids. */
const ARIA_ID_REFERENCES =
  /\baria-(?:labelledby|describedby|controls|owns|flowto|activedescendant|details|errormessage)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const EXPORTED_ID = /<(?:[\w.-]+:)?(?:symbol|view)\s[^>]*?\bid\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const PATH_DATA_ANIMATION = /\battributeName\s*=\s*["']\s*d\s*["']|(?:^|[;{\s])d\s*:\s*path\(/;

/** Reads the {@link MinifyFacts} from a document's text; a false "yes" only costs bytes. */
export function minifyFacts(text: string): MinifyFacts {
  let cssOnlyInline = false;
  for (const match of text.matchAll(STYLE_ATTRIBUTE)) {
    const value = match[1] ?? match[2] ?? '';
    if (TRANSFORM_DECLARATION.test(value) || CSS_FUNCTION.test(value)) {
      cssOnlyInline = true;
      break;
    }
  }
  const animated = SMIL_ELEMENT.test(text) || CSS_ANIMATION.test(text);
  const sheet = SHEET.test(text);
  const ariaIds = new Set(
    [...text.matchAll(ARIA_ID_REFERENCES)].flatMap((match) =>
      (match[1] ?? match[2] ?? '').split(/\s+/).filter((id) => id !== ''),
    ),
  );
  return {
    sheet,
    cssOnlyInline,
    animated,
    conditionalStyles: sheet && CONDITIONAL_CSS.test(text),
    animatesPathData: animated && PATH_DATA_ANIMATION.test(text),
    ariaIds: [...ariaIds],
    exportedIds: [...new Set([...text.matchAll(EXPORTED_ID)].map((match) => match[1] ?? match[2] ?? ''))],
  };
}
