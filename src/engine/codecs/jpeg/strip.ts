/**
 * Metadata stripping by byte surgery, without touching the entropy-coded data: the fallback when
 * jpegtran is not installed, and a candidate of its own when the input is already optimally coded.
 */
import { APP0, APP14, COM, hasSignature, type JpegHeader } from './segments.js';

/** Offset just after the first EOI marker at or after `from`, or the file length when there is none. */
export function endOfImage(bytes: Uint8Array, from: number): number {
  // In entropy-coded data every 0xff byte is followed by 0x00 or a marker, so the first 0xff 0xd9 is
  // this image's EOI; anything after it (an MPO's second picture, trailing junk) is not ours.
  const at = bytes.indexOf(0xd9, from + 1);
  for (let i = at; i !== -1; i = bytes.indexOf(0xd9, i + 1)) {
    if (bytes[i - 1] === 0xff) return i + 1;
  }
  return bytes.length;
}

/**
 * `input` without its APPn and COM segments, except the JFIF APP0 and Adobe APP14 (which tell the
 * decoder the colour transform), with `kept` segments spliced in after them, and without any bytes
 * after EOI.
 */
export function stripMetadata(
  input: Uint8Array,
  header: JpegHeader,
  kept: readonly Uint8Array[],
): Uint8Array {
  const parts: Uint8Array[] = [input.subarray(0, 2)];
  const structural = header.segments.filter(
    (s) => !(s.marker >= APP0 && s.marker <= 0xef) && s.marker !== COM,
  );
  const colour = header.segments.filter(
    (s) =>
      (s.marker === APP0 && hasSignature(s, 'JFIF\0')) || (s.marker === APP14 && hasSignature(s, 'Adobe')),
  );
  for (const s of colour) parts.push(input.subarray(s.start, s.end));
  parts.push(...kept);
  for (const s of structural) parts.push(input.subarray(s.start, s.end));
  parts.push(input.subarray(header.scanStart, endOfImage(input, header.scanStart)));
  return Buffer.concat(parts);
}
