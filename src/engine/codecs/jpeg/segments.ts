/**
 * Reads and writes the marker segments of a JPEG header (everything before the first scan).
 * The codec needs only a few facts from the header (which segments hold the ICC profile, how many
 * colour components there are) and must splice a few segments back after jpegtran; no npm library
 * exposes raw segments with their offsets, and the walk is a dozen lines, so it is done here.
 */
import { SquishError } from '../../../errors/index.js';

/** One marker segment of the header, e.g. APP1 (0xe1) with its payload. */
export interface JpegSegment {
  /** The marker byte after 0xff (0xe0..0xef for APPn, 0xdb for DQT, ...). */
  marker: number;
  /** Offset of the 0xff that starts the segment. */
  start: number;
  /** Offset just after the segment. */
  end: number;
  /** The bytes after the 2-byte length field. */
  payload: Uint8Array;
}

/** What the codec learns from the header. */
export interface JpegHeader {
  /** Segments between SOI and the first SOS, in file order. */
  segments: JpegSegment[];
  /** Offset of the first SOS marker: the entropy-coded data (and the rest of the file) starts here. */
  scanStart: number;
  /** Colour components in the frame: 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK. */
  components: number;
  /** Whether the frame is progressive (SOF2, SOF6, SOF10, SOF14). */
  progressive: boolean;
}

export const SOI = 0xd8;
export const SOS = 0xda;
export const APP0 = 0xe0;
export const APP1 = 0xe1;
export const APP2 = 0xe2;
export const APP14 = 0xee;
export const COM = 0xfe;

/** Markers that stand alone, without a length field. */
function isStandalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8);
}

/** Start-of-frame markers: 0xc0..0xcf except DHT (c4), JPG (c8) and DAC (cc). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function corrupt(detail: string): SquishError {
  return new SquishError('CORRUPT_IMAGE', `The JPEG header is corrupt: ${detail}.`);
}

/**
 * Walks the header of a JPEG up to its first scan.
 * @throws SquishError CORRUPT_IMAGE when the structure is broken (truncated segment, no frame, no scan).
 */
export function readJpegHeader(bytes: Uint8Array): JpegHeader {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== SOI) throw corrupt('no SOI marker');
  const segments: JpegSegment[] = [];
  let components = 0;
  let progressive = false;
  let offset = 2;
  while (offset < bytes.length) {
    if (bytes[offset] !== 0xff) throw corrupt(`expected a marker at offset ${offset}`);
    const start = offset;
    // Any number of 0xff fill bytes may precede a marker byte.
    while (offset < bytes.length && bytes[offset] === 0xff) offset++;
    const marker = bytes[offset++];
    if (marker === undefined) break;
    if (isStandalone(marker)) continue;
    if (offset + 2 > bytes.length) break;
    const length = (bytes[offset]! << 8) | bytes[offset + 1]!;
    if (length < 2 || offset + length > bytes.length)
      throw corrupt(`segment 0x${marker.toString(16)} overruns the file`);
    if (marker === SOS) {
      if (components === 0) throw corrupt('scan before any frame header');
      return { segments, scanStart: start, components, progressive };
    }
    const payload = bytes.subarray(offset + 2, offset + length);
    if (isStartOfFrame(marker)) {
      components = payload[5] ?? 0;
      progressive = marker === 0xc2 || marker === 0xc6 || marker === 0xca || marker === 0xce;
    }
    offset += length;
    segments.push({ marker, start, end: offset, payload });
  }
  throw corrupt('the file ends before the first scan');
}

/** Whether the payload starts with the given ASCII signature (such as "ICC_PROFILE\0"). */
export function hasSignature(segment: JpegSegment, signature: string): boolean {
  if (segment.payload.length < signature.length) return false;
  for (let i = 0; i < signature.length; i++) {
    if (segment.payload[i] !== signature.charCodeAt(i)) return false;
  }
  return true;
}

/** A complete segment (0xff, marker, big-endian length, payload). */
export function encodeSegment(marker: number, payload: Uint8Array): Uint8Array {
  const length = payload.length + 2;
  if (length > 0xffff) throw new RangeError(`JPEG segment payload too long: ${payload.length} bytes`);
  const out = new Uint8Array(payload.length + 4);
  out[0] = 0xff;
  out[1] = marker;
  out[2] = length >> 8;
  out[3] = length & 0xff;
  out.set(payload, 4);
  return out;
}

/**
 * Inserts whole segments right after SOI, or after the JFIF APP0 when the file starts with one
 * (JFIF readers expect APP0 first; EXIF readers find APP1 wherever it is in the header).
 */
export function insertSegments(jpeg: Uint8Array, inserted: readonly Uint8Array[]): Uint8Array {
  if (inserted.length === 0) return jpeg;
  let at = 2;
  if (jpeg[2] === 0xff && jpeg[3] === APP0) at = 4 + ((jpeg[4]! << 8) | jpeg[5]!);
  const extra = inserted.reduce((sum, segment) => sum + segment.length, 0);
  const out = new Uint8Array(jpeg.length + extra);
  out.set(jpeg.subarray(0, at), 0);
  let offset = at;
  for (const segment of inserted) {
    out.set(segment, offset);
    offset += segment.length;
  }
  out.set(jpeg.subarray(at), offset);
  return out;
}
