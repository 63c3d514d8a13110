/**
 * svgo configurations, from the most compact to the safest. Every result is checked by rendering
 * (verify.ts); the codec walks down this ladder when a level changes how the image looks.
 */
import type { Config, CustomPlugin } from 'svgo';

/**
 * `standard`: preset-default with fixes for what notes/codecs.md §7.6 found.
 * `precise`: the same at 5 decimals (svgo rounds to 3 by default; convertPathData's arc rewriting
 * at 3 decimals flipped the ellipses of oc-goto.svg, SSIMULACRA2 37.5).
 * `structural`: only plugins that never touch coordinates, colours or geometry.
 */
export type MinifyLevel = 'standard' | 'precise' | 'structural';

/** Minify levels in the order the lossless codec tries them. */
export const LOSSLESS_LADDER: readonly MinifyLevel[] = ['standard', 'precise', 'structural'];

/** Overrides applied to preset-default at every level that uses it. */
const PRESET_OVERRIDES = {
  // convertToPx rewrote width="3720pt" to 4960 (px) while height stayed in pt; librsvg then renders a
  // different size. Units are kept as written.
  cleanupNumericValues: { convertToPx: false },
} as const;

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
 * The svgo config of one level. `sanitize` (and any analysis plugin) runs first, so the minifier
 * never sees unsanitized content; `floatPrecision` overrides the level's precision (lossy mode).
 */
export function minifyConfig(
  level: MinifyLevel,
  leadingPlugins: readonly CustomPlugin[],
  floatPrecision?: number,
): Config {
  if (level === 'structural') {
    return { plugins: [...leadingPlugins, ...STRUCTURAL_PLUGINS], js2svg: { indent: 0, pretty: false } };
  }
  const precision = floatPrecision ?? (level === 'precise' ? 5 : 3);
  return {
    multipass: false,
    plugins: [
      ...leadingPlugins,
      { name: 'preset-default', params: { floatPrecision: precision, overrides: PRESET_OVERRIDES } },
    ],
  };
}
