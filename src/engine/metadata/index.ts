/**
 * Metadata groups for every output format: read them from a source, keep exactly the groups a
 * plan asks for, and write them into already-encoded bytes without touching the pixels.
 *
 *   const meta = await readMetadata(input, 'jpeg');
 *   const blocks = buildMetadataBlocks(meta, plan.keep, 'webp');
 *   const { data, notes } = writeMetadata(encodedWebp, 'webp', blocks);
 */

import type { ImageFormat } from '../types.js';
import { buildMetadataBlocks } from './build-blocks.js';
import { readMetadata } from './read.js';
import type { KeepMetadata, MetadataBlocks, MetadataFormat } from './types.js';
import { writeAvifMetadata } from './write-avif.js';
import { writeJpegMetadata } from './write-jpeg.js';
import { writePngMetadata } from './write-png.js';
import { writeWebpMetadata } from './write-webp.js';

export { buildMetadataBlocks } from './build-blocks.js';
export { MAX_METADATA_BLOCK_BYTES, readMetadata } from './read.js';
export type {
  CopyrightTags,
  DateTags,
  GeotagTags,
  KeepMetadata,
  LangText,
  MetadataBlocks,
  MetadataFormat,
  SourceMetadata,
} from './types.js';
export { writeAvifMetadata } from './write-avif.js';
export { writeJpegMetadata } from './write-jpeg.js';
export { writePngMetadata } from './write-png.js';
export { writeWebpMetadata } from './write-webp.js';

/** Whether {@link writeMetadata} can write into encoded bytes of `format`. */
export function canWriteMetadata(format: ImageFormat): format is MetadataFormat {
  return format === 'jpeg' || format === 'png' || format === 'webp' || format === 'avif';
}

/**
 * `encoded` with its EXIF, XMP, IPTC and ICC replaced by `blocks` (built for the same format);
 * pixel data is copied unchanged. `notes` names blocks that did not fit the container.
 * @throws SquishError CORRUPT_IMAGE when `encoded` is not a well-formed file of `format`.
 */
export function writeMetadata(
  encoded: Uint8Array,
  format: MetadataFormat,
  blocks: MetadataBlocks,
): { data: Uint8Array; notes: string[] } {
  const written =
    format === 'jpeg'
      ? writeJpegMetadata(encoded, blocks)
      : format === 'png'
        ? writePngMetadata(encoded, blocks)
        : format === 'webp'
          ? writeWebpMetadata(encoded, blocks)
          : writeAvifMetadata(encoded, blocks);
  return { data: written.data, notes: [...blocks.notes, ...written.notes] };
}

/**
 * The whole round: reads `source`'s metadata, keeps the groups `keep` names, and writes them
 * into `encoded` (an output of `outputFormat` made from `source`'s pixels). GIF and SVG outputs
 * carry no metadata and come back as they are.
 */
export async function carryMetadata(
  source: Uint8Array,
  sourceFormat: ImageFormat,
  encoded: Uint8Array,
  outputFormat: ImageFormat,
  keep: KeepMetadata,
): Promise<{ data: Uint8Array; notes: string[] }> {
  if (!canWriteMetadata(outputFormat)) return { data: encoded, notes: [] };
  const meta = await readMetadata(source, sourceFormat);
  const written = writeMetadata(encoded, outputFormat, buildMetadataBlocks(meta, keep, outputFormat));
  return { data: written.data, notes: [...meta.notes, ...written.notes] };
}
