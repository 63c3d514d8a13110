/**
 * Puts metadata blocks into an encoded PNG as chunks (eXIf, iTXt "XML:com.adobe.xmp", iCCP),
 * leaving IDAT untouched. Reuses the codec's chunk reader and writer (which computes the CRCs).
 */
import { deflateSync } from 'node:zlib';
import { type PngChunk, readPngChunks, writePng } from '../codecs/png/chunks.js';
import type { MetadataBlocks } from './types.js';

const XMP_KEYWORD = 'XML:com.adobe.xmp';
const TEXT_CHUNKS = new Set(['iTXt', 'tEXt', 'zTXt']);
/** ImageMagick's and exiftool's legacy text-chunk homes for EXIF, IPTC, XMP and ICC in PNG. */
const RAW_PROFILE = /^Raw profile type (exif|iptc|xmp|icc|icm|app1|8bim)$/i;

/**
 * `png` with its eXIf, XMP text chunk, legacy "Raw profile type ..." text chunks and iCCP
 * replaced by `blocks`. When an ICC profile is
 * written, sRGB goes (the PNG spec allows only one of iCCP and sRGB). iCCP goes right after IHDR
 * (it must precede PLTE and IDAT); eXIf and XMP go just before the first IDAT (or acTL/fcTL of
 * an APNG), where every reader looks.
 * @throws SquishError CORRUPT_IMAGE when `png`'s chunks are broken.
 */
export function writePngMetadata(
  png: Uint8Array,
  blocks: MetadataBlocks,
): { data: Uint8Array; notes: string[] } {
  const chunks = readPngChunks(png).filter((chunk) => !isMetadataChunk(chunk, blocks.icc !== undefined));
  const out: PngChunk[] = [];
  const beforeImage: PngChunk[] = [];
  if (blocks.exif) beforeImage.push({ type: 'eXIf', data: blocks.exif });
  if (blocks.xmp) beforeImage.push({ type: 'iTXt', data: xmpText(blocks.xmp) });
  let placed = false;
  for (const chunk of chunks) {
    if (!placed && (chunk.type === 'IDAT' || chunk.type === 'acTL' || chunk.type === 'fcTL')) {
      out.push(...beforeImage);
      placed = true;
    }
    out.push(chunk);
    if (chunk.type === 'IHDR' && blocks.icc) out.push({ type: 'iCCP', data: iccChunk(blocks.icc) });
  }
  return { data: writePng(out), notes: [] };
}

function isMetadataChunk(chunk: PngChunk, replacingIcc: boolean): boolean {
  if (chunk.type === 'eXIf' || chunk.type === 'iCCP') return true;
  if (chunk.type === 'sRGB') return replacingIcc;
  if (!TEXT_CHUNKS.has(chunk.type)) return false;
  const name = keyword(chunk.data);
  return name === XMP_KEYWORD || RAW_PROFILE.test(name);
}

function keyword(data: Uint8Array): string {
  const end = data.indexOf(0);
  return end > 0 && end < 80 ? Buffer.from(data.subarray(0, end)).toString('latin1') : '';
}

/** iTXt: keyword, NUL, compression flag 0, method 0, empty language tag, empty translated keyword, text. */
function xmpText(xmp: string): Uint8Array {
  return Buffer.concat([Buffer.from(`${XMP_KEYWORD}\0\0\0\0\0`, 'latin1'), Buffer.from(xmp, 'utf8')]);
}

/** iCCP: profile name, NUL, compression method 0 (zlib), compressed profile. */
function iccChunk(icc: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from('ICC profile\0\0', 'latin1'), deflateSync(icc)]);
}
