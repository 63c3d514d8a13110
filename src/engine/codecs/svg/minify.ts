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

/**
 * Whether the document has a `<style>` sheet. Without one, minifyStyles only runs csso over each
 * `style` attribute: on the corpus (16 SVGs, none with a sheet) that was 13 % of the preset's CPU
 * time for 0.2 % of its bytes (2 690 of 1.09 MB saved), so it runs only when a sheet is there to shrink.
 */
export function hasStyleSheet(text: string): boolean {
  return /<(?:[\w.-]+:)?style[\s>]/.test(text);
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
 * minifier never sees unsanitized content; `floatPrecision` is the preset's number of decimals;
 * `minifyStyleSheets` false skips minifyStyles (see {@link hasStyleSheet}).
 */
export function minifyConfig(
  level: MinifyLevel,
  leadingPlugins: readonly CustomPlugin[],
  floatPrecision = 3,
  minifyStyleSheets = true,
): Config {
  if (level === 'structural') {
    return { plugins: [...leadingPlugins, ...STRUCTURAL_PLUGINS], js2svg: { indent: 0, pretty: false } };
  }
  const precision = floatPrecision;
  return {
    multipass: false,
    plugins: [
      ...leadingPlugins,
      {
        name: 'preset-default',
        params: {
          floatPrecision: precision,
          overrides: minifyStyleSheets ? PRESET_OVERRIDES : { ...PRESET_OVERRIDES, minifyStyles: false },
        },
      },
    ],
  };
}
