/**
 * Shared pieces of the metadata tests: the tagged fixtures, and exiftool as the independent reader
 * (it reads EXIF, XMP, IPTC and ICC from every container, including WebP and AVIF).
 */

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { MetadataFormat } from '../../../src/engine/metadata/index.js';
import { countDifferentPixels, type RawImage } from '../../helpers/pixels.js';

const FIXTURES = new URL('../../fixtures/metadata/', import.meta.url);
const EXTENSION: Record<MetadataFormat, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', avif: 'avif' };

/** The hopper photo tagged with every group plus tags no group keeps (see SOURCES.md). */
export function tagged(format: MetadataFormat): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`tagged.${EXTENSION[format]}`, FIXTURES)));
}

/** Why the exiftool tests cannot run here, or false when they can. */
export const exiftoolMissing: string | false =
  spawnSync('exiftool', ['-ver']).status === 0 ? false : 'exiftool (libimage-exiftool-perl) is not installed';

/** Groups that describe the container or the file, not metadata a user could want kept or gone. */
const STRUCTURAL_GROUPS = new Set([
  'SourceFile',
  'ExifTool',
  'System',
  'File',
  'JFIF',
  'PNG',
  'PNG-pHYs',
  'RIFF',
  'QuickTime',
  'Meta',
  'Composite',
  'XMP-x',
]);

/** Every tag exiftool finds, keyed "Group:Tag" (-G1, numeric values), with ICC tags collapsed to "ICC". */
export function exiftoolTags(bytes: Uint8Array, format: MetadataFormat): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'squish-metadata-'));
  try {
    const file = join(dir, `image.${EXTENSION[format]}`);
    writeFileSync(file, bytes);
    const json = execFileSync('exiftool', ['-j', '-G1', '-a', '-n', file], { encoding: 'utf8' });
    return (JSON.parse(json) as Record<string, unknown>[])[0]!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The metadata tag names of `bytes`, sorted, without structural groups; any ICC tag counts as the
 * single name "ICC". Problems exiftool reports (ExifTool:Warning/Error) are included, so a
 * malformed container fails the comparison.
 */
export function metadataTagNames(bytes: Uint8Array, format: MetadataFormat): string[] {
  const names = new Set<string>();
  for (const key of Object.keys(exiftoolTags(bytes, format))) {
    const group = key.split(':')[0]!;
    if (key === 'ExifTool:Warning' || key === 'ExifTool:Error') names.add(key);
    else if (group.startsWith('ICC')) names.add('ICC');
    else if (!STRUCTURAL_GROUPS.has(group)) names.add(key);
  }
  return [...names].sort();
}

/**
 * Decoded samples as stored, with no colour conversion. (test/helpers/pixels.ts `decodeRaw` lets
 * sharp convert from the embedded ICC profile to sRGB, so adding or removing a profile would look
 * like a pixel change there; here the profile must make no difference.)
 */
async function storedSamples(bytes: Uint8Array): Promise<RawImage> {
  const { data, info } = await sharp(bytes).keepIccProfile().ensureAlpha().raw().toBuffer({
    resolveWithObject: true,
  });
  return { data, width: info.width, height: info.height, channels: info.channels, depth: 1 };
}

/** Asserts that two files decode to the same stored samples, whatever metadata they carry. */
export async function assertSameSamples(
  expected: Uint8Array,
  actual: Uint8Array,
  label: string,
): Promise<void> {
  const [a, b] = await Promise.all([storedSamples(expected), storedSamples(actual)]);
  assert.deepEqual([b.width, b.height], [a.width, a.height], `${label}: size`);
  assert.equal(countDifferentPixels(a, b), 0, `${label}: pixels differ`);
}
