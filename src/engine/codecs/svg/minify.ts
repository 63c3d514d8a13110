/**
 * svgo configurations, from the most compact to the safest. Every result is checked by rendering
 * (verify.ts); the codec walks down this ladder when a level changes how the image looks.
 */
import type { Config, CustomPlugin } from 'svgo';
import { type MinifyFacts, UNKNOWN_FACTS } from './minify-facts.js';
import { declareSvgNamespace } from './svg-namespace.js';

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

/**
 * Plugins left out where the document changes after it is drawn, by animations or by conditional
 * CSS (librsvg draws one still frame, in no media but its own and with no pointer over it, so the
 * render check cannot see what these break): shapes turned into paths lose the `width`/`r`/… an
 * animation changes and the `rect:hover` rules that name them; renamed ids break SMIL timing
 * (`begin="spin.end"`); removeUnknownsAndDefaults drops the SVG 2 `href` of `<animate>`, which then
 * animates its parent; hidden elements may be shown later; merged paths, moved attributes and
 * collapsed groups change what an animation or a `:hover` applies to; inlineStyles writes the
 * unconditional rules into `style` attributes, which then outrank the dark-mode and hover rules
 * (and the rules left matching nothing are dropped).
 */
const DYNAMIC_UNSAFE = {
  convertShapeToPath: false,
  convertEllipseToCircle: false,
  cleanupIds: false,
  removeUnknownsAndDefaults: false,
  removeHiddenElems: false,
  mergePaths: false,
  collapseGroups: false,
  moveElemsAttrsToGroup: false,
  moveGroupAttrsToElems: false,
  removeEmptyContainers: false,
  inlineStyles: false,
} as const;

/** The preset's overrides for a document with these facts. */
function presetOverrides(facts: MinifyFacts): Record<string, unknown> {
  return {
    ...PRESET_OVERRIDES,
    // What assistive technology reads is kept: `role` (svgo drops it by default) and the ids that
    // ARIA attributes name (cleanupIds would drop them as unreferenced); so are the symbols and
    // views other files use, and their ids (removeHiddenElems removes unreferenced symbols).
    removeUnknownsAndDefaults: { keepRoleAttr: true },
    cleanupIds: { preserve: [...facts.ariaIds, ...facts.exportedIds] },
    ...(facts.exportedIds.length > 0 ? { removeHiddenElems: false } : {}),
    ...(facts.sheet ? {} : { minifyStyles: false }),
    ...(facts.animated || facts.conditionalStyles ? DYNAMIC_UNSAFE : {}),
    // Path data that an animation interpolates must keep its commands (SMIL interpolates only
    // between paths with the same command list).
    ...(facts.animatesPathData ? { convertPathData: false } : {}),
  };
}

/** A `<style>` element left in svgo's output (inlineStyles moves a sheet's rules out when it can). */
const STYLE_ELEMENT = /<style[\s>]/;

/**
 * Whether another preset pass over `output` (this document's minification) would remove ids that
 * nothing refers to: cleanupIds is off where the document changes after it is drawn
 * ({@link DYNAMIC_UNSAFE}), and svgo leaves every id alone while a `<style>` sheet, whose
 * selectors may name them, is still there.
 */
export function removesUnreferencedIds(facts: MinifyFacts, output: string): boolean {
  return !facts.animated && !facts.conditionalStyles && !STYLE_ELEMENT.test(output);
}

/**
 * Whether inline styles become presentation attributes (convertStyleToAttrs, before the sanitizer,
 * which then checks the attributes as written). Inkscape writes every property of every element
 * into `style`, defaults included, where removeUnknownsAndDefaults cannot reach them; as attributes
 * they are dropped, and svgo's other plugins stop parsing each `style` with csstree (once per
 * element and again for each descendant). On the 16 corpus SVGs: 4.6 % fewer bytes (tango 41 %,
 * oc-goto 35 % fewer; debian-joy 4.7 % more, where svgo then bakes transforms into the paths), and
 * 15 % less svgo time on the mid-sized ones.
 * Not with a sheet (its rules outrank attributes but not inline styles), nor with CSS-only inline
 * values ({@link MinifyFacts.cssOnlyInline}): what they mean in an attribute, the render check
 * (librsvg, which reads no `var()` at all) cannot confirm. Nor on animated documents, where what an
 * animation overrides is left as it was.
 */
function inlineStylesToAttributes(facts: MinifyFacts): boolean {
  return !facts.sheet && !facts.cssOnlyInline && !facts.animated;
}

/**
 * Plugins left out when `<metadata>` is kept: removeMetadata, and removeEmptyAttrs, which would
 * drop the RDF's `rdf:about=""` (the statement that the licence is this document's).
 */
const KEEP_METADATA = { removeMetadata: false, removeEmptyAttrs: false } as const;

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
 * decimals; `facts` say what the document needs respected (see {@link MinifyFacts});
 * `keepMetadata` keeps `<metadata>`, where SVG editors write the creator, rights and licence (RDF
 * with Dublin Core and Creative Commons terms): what the plan's `keep.copyright` asks for.
 */
export function minifyConfig(
  level: MinifyLevel,
  leadingPlugins: readonly CustomPlugin[],
  floatPrecision = 3,
  facts: MinifyFacts = UNKNOWN_FACTS,
  keepMetadata = false,
): Config {
  if (level === 'structural') {
    const plugins = keepMetadata
      ? STRUCTURAL_PLUGINS.filter((name) => !(name in KEEP_METADATA))
      : STRUCTURAL_PLUGINS;
    return {
      plugins: [...leadingPlugins, ...plugins, declareSvgNamespace],
      js2svg: { indent: 0, pretty: false },
    };
  }
  return {
    multipass: false,
    plugins: [
      ...(inlineStylesToAttributes(facts) ? (['convertStyleToAttrs'] as const) : []),
      ...leadingPlugins,
      {
        name: 'preset-default',
        params: {
          floatPrecision,
          overrides: { ...presetOverrides(facts), ...(keepMetadata ? KEEP_METADATA : {}) },
        },
      },
      declareSvgNamespace,
    ],
  };
}
