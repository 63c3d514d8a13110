/**
 * Metadata for outputs made from pipeline pixels: exactly the kept groups, the orientation the
 * pixels need, and never the source's ICC profile (the pixels were converted to sRGB; an
 * untagged image is read as sRGB, so no profile is the right one).
 */
import {
  buildMetadataBlocks,
  canWriteMetadata,
  type KeepMetadata,
  type SourceMetadata,
  writeMetadata,
} from '../../metadata/index.js';
import type { ImageFormat } from '../../types.js';

/**
 * `encoded` (an output of `format` without metadata, as sharp writes it) with the kept groups
 * written in; `orientation` is the one the pixels need (1 after they were turned upright).
 * GIF and SVG carry no metadata and come back unchanged.
 */
export function writeOutputMetadata(
  encoded: Uint8Array,
  format: ImageFormat,
  metadata: { source: SourceMetadata; keep: KeepMetadata } | undefined,
  orientation: number,
): { data: Uint8Array; notes: string[] } {
  if (!canWriteMetadata(format)) return { data: encoded, notes: [] };
  const source: SourceMetadata = metadata?.source ?? { date: {}, copyright: {}, geotag: {}, notes: [] };
  const keep: KeepMetadata = {
    ...(metadata?.keep ?? { icc: false, orientation: true }),
    outputOrientation: orientation,
  };
  const blocks = buildMetadataBlocks({ ...source, icc: undefined }, keep, format);
  if (!blocks.exif && !blocks.xmp && !blocks.iptc && blocks.notes.length === 0) {
    return { data: encoded, notes: [] };
  }
  return writeMetadata(encoded, format, blocks);
}
