/**
 * svgo configurations, from the most compact to the safest. Every result is checked by rendering
 * (verify.ts); the codec walks down this ladder when a level changes how the image looks.
 */
import type { Config, CustomPlugin } from 'svgo';

/**
 * `preset`: preset-default with fixes for what notes/codecs.md §7.6 found, at a given number of
 * decimals (see precision.ts; two more decimals fix oc-goto.svg, whose arcs convertPathData
 * flipped at 3, SSIMULACRA2 37.5).
 * `structural`: only plugins that never touch coordinates, colours or geometry.
 */
export type MinifyLevel = 'preset' | 'structural';

/** Overrides applied to preset-default at every level that uses it. */
const PRESET_OVERRIDES = {
  // convertToPx rewrote width="3720pt" to 4960 (px) while height stayed in pt; librsvg then renders a
  // different size. Units are kept as written.
  cleanupNumericValues: { convertToPx: false },
  // Computes the style of every element with a stroke or fill, about a tenth of the preset's time
  // on the corpus (svgo 4.1, CPU time), and saved 0 bytes on all 16 corpus SVGs.
  removeUselessStrokeAndFill: false,
  // Scans the whole tree for filters that use the background: 6-9 % of the preset's plugin time on
  // two mid-sized corpus icons (gnome-help, tango), to drop an attribute no current renderer reads
  // (669 bytes over the 16 corpus SVGs).
  cleanupEnableBackground: false,
} as const;

/** What a document's CSS allows the minifier to do (see {@link styleFacts}). */
export interface StyleFacts {
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
   * (`var()`, `calc()`, filter and shape functions), which browsers do not all take in attributes.
   */
  cssOnlyInline: boolean;
}

/** `transform:` opening a declaration (not `text-transform:`). */
const TRANSFORM_DECLARATION = /(?:^|[;\s])transform\s*:/;
/** A CSS function other than `url()` and the colour functions. */
const CSS_FUNCTION = /(?<![\w-])(?!(?:url|rgba?|hsla?)\()[a-z-]+\(/i;

/** The {@link StyleFacts} of a document's text (a false "yes" only costs bytes). */
export function styleFacts(text: string): StyleFacts {
  let cssOnlyInline = false;
  for (const match of text.matchAll(/\bstyle\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    const value = match[1] ?? match[2] ?? '';
    if (TRANSFORM_DECLARATION.test(value) || CSS_FUNCTION.test(value)) {
      cssOnlyInline = true;
      break;
    }
  }
  return { sheet: /<(?:[\w.-]+:)?style[\s>]/.test(text), cssOnlyInline };
}

/** The conservative facts: a sheet, CSS-only inline values. */
const UNKNOWN_STYLES: StyleFacts = { sheet: true, cssOnlyInline: true };

/**
 * Whether inline styles become presentation attributes (convertStyleToAttrs, before the sanitizer,
 * which then checks the attributes as written). Inkscape writes every property of every element
 * into `style`, defaults included, where removeUnknownsAndDefaults cannot reach them; as attributes
 * they are dropped, and svgo's other plugins stop parsing each `style` with csstree (once per
 * element and again for each descendant). On the 16 corpus SVGs: 4.6 % fewer bytes (tango 41 %,
 * oc-goto 35 % fewer; debian-joy 4.7 % more, where svgo then bakes transforms into the paths), and
 * 15 % less svgo time on the mid-sized ones.
 * Not with a sheet (its rules outrank attributes but not inline styles), nor with CSS-only inline
 * values ({@link StyleFacts.cssOnlyInline}): librsvg, which verifies the result, reads no `var()`,
 * so it would render a broken attribute just like the style it came from, where a browser would not.
 */
function inlineStylesToAttributes(styles: StyleFacts): boolean {
  return !styles.sheet && !styles.cssOnlyInline;
}

/** Plugins that only remove or rewrite non-geometric content. */
const STRUCTURAL_PLUGINS = [
  'removeDoctype',
  'removeXMLProcInst',
  'removeComments',
  'removeMetadata',
  'removeEditorsNSData',
  'cleanupAttrs',
  'removeEmptyText',
  'removeEmptyAttrs',
  'removeUnusedNS',
  'removeDesc',
] as const;

/**
 * The svgo config of one level. The leading plugins (sanitizer, analysis) run first, so the
 * minifier never sees unsanitized content (only the conversion of inline styles, a rewrite of
 * text the sanitizer then reads, comes before them); `floatPrecision` is the preset's number of
 * decimals; `styles` says what the document's CSS allows (see {@link StyleFacts}).
 */
export function minifyConfig(
  level: MinifyLevel,
  leadingPlugins: readonly CustomPlugin[],
  floatPrecision = 3,
  styles: StyleFacts = UNKNOWN_STYLES,
): Config {
  if (level === 'structural') {
    return { plugins: [...leadingPlugins, ...STRUCTURAL_PLUGINS], js2svg: { indent: 0, pretty: false } };
  }
  const precision = floatPrecision;
  return {
    multipass: false,
    plugins: [
      ...(inlineStylesToAttributes(styles) ? (['convertStyleToAttrs'] as const) : []),
      ...leadingPlugins,
      {
        name: 'preset-default',
        params: {
          floatPrecision: precision,
          overrides: styles.sheet ? PRESET_OVERRIDES : { ...PRESET_OVERRIDES, minifyStyles: false },
        },
      },
    ],
  };
}
