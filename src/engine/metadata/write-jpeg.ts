/**
 * Puts metadata blocks into an encoded JPEG by splicing marker segments; the entropy-coded data is
 * copied byte for byte, so the pixels cannot change. Reuses the codec's header walker.
 */
import {
  APP0,
  APP1,
  APP2,
  encodeSegment,
  hasSignature,
  type JpegSegment,
  readJpegHeader,
} from '../codecs/jpeg/segments.js';
import { photoshopIptcResource } from './iptc-writer.js';
import type { MetadataBlocks } from './types.js';

const APP13 = 0xed;
const EXIF_SIGNATURE = 'Exif\0\0';
const XMP_SIGNATURE = 'http://ns.adobe.com/xap/1.0/\0';
const XMP_EXTENSION_SIGNATURE = 'http://ns.adobe.com/xmp/extension/\0';
const ICC_SIGNATURE = 'ICC_PROFILE\0';
const PHOTOSHOP_SIGNATURE = 'Photoshop 3.0\0';
/** Largest payload of one segment (the length field counts itself). */
const MAX_PAYLOAD = 0xffff - 2;
/** ICC bytes per APP2 chunk: the payload less the signature and the two sequence bytes. */
const ICC_CHUNK = MAX_PAYLOAD - ICC_SIGNATURE.length - 2;

/**
 * `jpeg` with its EXIF, XMP (standard and extended), IPTC/Photoshop and ICC segments replaced by
 * `blocks`. Other segments (JFIF, Adobe APP14, tables, frame) and the scans stay as they are.
 * Blocks too large for the container are left out and named in the returned notes.
 * @throws SquishError CORRUPT_IMAGE when `jpeg`'s header cannot be walked.
 */
export function writeJpegMetadata(
  jpeg: Uint8Array,
  blocks: MetadataBlocks,
): { data: Uint8Array; notes: string[] } {
  const header = readJpegHeader(jpeg);
  const notes: string[] = [];
  const inserted = metadataSegments(blocks, notes);
  const kept = header.segments.filter((segment) => !isMetadataSegment(segment));
  // JFIF readers expect APP0 right after SOI; EXIF readers find APP1 anywhere in the header.
  const leading = kept[0]?.marker === APP0 && hasSignature(kept[0], 'JFIF\0') ? kept.slice(0, 1) : [];
  const parts: Uint8Array[] = [jpeg.subarray(0, 2)];
  for (const segment of leading) parts.push(jpeg.subarray(segment.start, segment.end));
  parts.push(...inserted);
  for (const segment of kept.slice(leading.length)) parts.push(jpeg.subarray(segment.start, segment.end));
  parts.push(jpeg.subarray(header.scanStart));
  return { data: new Uint8Array(Buffer.concat(parts)), notes };
}

function isMetadataSegment(segment: JpegSegment): boolean {
  if (segment.marker === APP1) {
    return (
      hasSignature(segment, EXIF_SIGNATURE) ||
      hasSignature(segment, 'Exif\0') ||
      hasSignature(segment, XMP_SIGNATURE) ||
      hasSignature(segment, XMP_EXTENSION_SIGNATURE)
    );
  }
  if (segment.marker === APP2) return hasSignature(segment, ICC_SIGNATURE);
  if (segment.marker === APP13) return hasSignature(segment, PHOTOSHOP_SIGNATURE);
  return false;
}

/** The segments for `blocks`, in the customary order: EXIF, ICC, XMP, IPTC. */
function metadataSegments(blocks: MetadataBlocks, notes: string[]): Uint8Array[] {
  const segments: Uint8Array[] = [];
  const ascii = (text: string) => new TextEncoder().encode(text);
  const add = (marker: number, name: string, ...payload: Uint8Array[]) => {
    const joined = Buffer.concat(payload);
    if (joined.length > MAX_PAYLOAD) notes.push(`${name} left out: larger than a JPEG segment`);
    else segments.push(encodeSegment(marker, joined));
  };
  if (blocks.exif) add(APP1, 'EXIF', ascii(EXIF_SIGNATURE), blocks.exif);
  if (blocks.icc) segments.push(...iccSegments(blocks.icc, notes));
  if (blocks.xmp) add(APP1, 'XMP', ascii(XMP_SIGNATURE), ascii(blocks.xmp));
  if (blocks.iptc) add(APP13, 'IPTC', photoshopIptcResource(blocks.iptc));
  return segments;
}

/** The ICC profile split over numbered APP2 chunks (ICC.1 Annex B.4: at most 255 of them). */
function iccSegments(icc: Uint8Array, notes: string[]): Uint8Array[] {
  const count = Math.ceil(icc.length / ICC_CHUNK);
  if (count > 255) {
    notes.push('ICC profile left out: too large for a JPEG');
    return [];
  }
  const signature = new TextEncoder().encode(ICC_SIGNATURE);
  const segments: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const chunk = icc.subarray(i * ICC_CHUNK, (i + 1) * ICC_CHUNK);
    const payload = new Uint8Array(signature.length + 2 + chunk.length);
    payload.set(signature, 0);
    payload[signature.length] = i + 1;
    payload[signature.length + 1] = count;
    payload.set(chunk, signature.length + 2);
    segments.push(encodeSegment(APP2, payload));
  }
  return segments;
}
