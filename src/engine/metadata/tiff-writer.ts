/**
 * Writes a small EXIF TIFF structure (IFD0, Exif IFD, GPS IFD) holding exactly the given entries.
 *
 * Hand-written because no installed library writes EXIF without adding to it: exifr only reads,
 * and sharp's `withExif` goes through libexif, which adds tags of its own (measured on a 1x1
 * encode: Orientation=1, X/YResolution, ResolutionUnit, YCbCrPositioning, ExifVersion,
 * FlashpixVersion, ComponentsConfiguration, ColorSpace=65535 "uncalibrated", and
 * ExifImageWidth/Height of the tiny image) — wrong sizes, a wrong colour-space claim, and an
 * orientation tag where none should be. The structure needs only five value types.
 */

/** TIFF field types used here. */
export const TIFF_TYPE = { BYTE: 1, ASCII: 2, SHORT: 3, LONG: 4, RATIONAL: 5 } as const;

/** One IFD entry with its value already encoded little-endian. */
export interface TiffEntry {
  tag: number;
  type: number;
  count: number;
  value: Uint8Array;
}

/** Tag numbers of the pointers from IFD0 to the sub-IFDs. */
const EXIF_IFD_POINTER = 0x8769;
const ORIENTATION_TAG = 0x0112;
const GPS_IFD_POINTER = 0x8825;

/** An ASCII entry (NUL-terminated; UTF-8 bytes pass through, as most writers do). */
export function asciiEntry(tag: number, text: string): TiffEntry {
  const bytes = new TextEncoder().encode(`${text}\0`);
  return { tag, type: TIFF_TYPE.ASCII, count: bytes.length, value: bytes };
}

export function shortEntry(tag: number, value: number): TiffEntry {
  const bytes = new Uint8Array(2);
  new DataView(bytes.buffer).setUint16(0, value, true);
  return { tag, type: TIFF_TYPE.SHORT, count: 1, value: bytes };
}

export function longEntry(tag: number, value: number): TiffEntry {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return { tag, type: TIFF_TYPE.LONG, count: 1, value: bytes };
}

export function byteEntry(tag: number, values: readonly number[]): TiffEntry {
  return { tag, type: TIFF_TYPE.BYTE, count: values.length, value: Uint8Array.from(values) };
}

/** Unsigned rationals; each number becomes the nearest fraction with a power-of-ten denominator. */
export function rationalEntry(tag: number, values: readonly number[]): TiffEntry {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => {
    const [numerator, denominator] = toRational(value);
    view.setUint32(i * 8, numerator, true);
    view.setUint32(i * 8 + 4, denominator, true);
  });
  return { tag, type: TIFF_TYPE.RATIONAL, count: values.length, value: bytes };
}

/**
 * exifr hands rationals back as floats; a power-of-ten denominator restores the usual EXIF
 * encodings (29.57 -> 2957/100) and is within 1e-6 of any other.
 */
function toRational(value: number): [number, number] {
  for (let denominator = 1; denominator <= 1_000_000; denominator *= 10) {
    const numerator = Math.round(value * denominator);
    if (Math.abs(numerator / denominator - value) < 1e-9 || denominator === 1_000_000) {
      return numerator > 0xffffffff ? [0xffffffff, 1] : [numerator, denominator];
    }
  }
  return [Math.round(value), 1];
}

/**
 * The smallest EXIF (TIFF) block that keeps an image upright: IFD0 with only Orientation. What the
 * codecs keep of EXIF when everything else is stripped.
 * @throws RangeError unless `orientation` is 1 to 8.
 */
export function orientationTiff(orientation: number): Uint8Array {
  if (!Number.isInteger(orientation) || orientation < 1 || orientation > 8) {
    throw new RangeError(`EXIF orientation must be 1..8, got ${orientation}`);
  }
  return writeTiff([shortEntry(ORIENTATION_TAG, orientation)], [], [])!;
}

/**
 * A little-endian TIFF structure: IFD0 with `ifd0` entries, plus an Exif IFD and a GPS IFD when
 * their lists are non-empty (IFD0 then points at them). Undefined when there is nothing to write.
 */
export function writeTiff(
  ifd0: readonly TiffEntry[],
  exif: readonly TiffEntry[],
  gps: readonly TiffEntry[],
): Uint8Array | undefined {
  if (ifd0.length + exif.length + gps.length === 0) return undefined;
  // The pointers' values (sub-IFD offsets) depend only on the IFD sizes, not on the pointers' values.
  const rootCount = ifd0.length + (exif.length > 0 ? 1 : 0) + (gps.length > 0 ? 1 : 0);
  const rootOffset = 8;
  const exifOffset = rootOffset + ifdSize(ifd0) + (rootCount - ifd0.length) * 12;
  const gpsOffset = exifOffset + (exif.length > 0 ? ifdSize(exif) : 0);
  const total = gpsOffset + (gps.length > 0 ? ifdSize(gps) : 0);
  const root = [...ifd0];
  if (exif.length > 0) root.push(longEntry(EXIF_IFD_POINTER, exifOffset));
  if (gps.length > 0) root.push(longEntry(GPS_IFD_POINTER, gpsOffset));

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 0x2a, 0x00]); // "II", 42: little-endian TIFF
  view.setUint32(4, rootOffset, true);
  writeIfd(out, rootOffset, root);
  if (exif.length > 0) writeIfd(out, exifOffset, exif);
  if (gps.length > 0) writeIfd(out, gpsOffset, gps);
  return out;
}

/** Bytes an IFD takes: count, entries, next-IFD link, then the values that do not fit in 4 bytes. */
function ifdSize(entries: readonly TiffEntry[]): number {
  const data = entries.reduce((sum, e) => sum + (e.value.length > 4 ? even(e.value.length) : 0), 0);
  return 2 + entries.length * 12 + 4 + data;
}

function writeIfd(out: Uint8Array, offset: number, entries: readonly TiffEntry[]): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  // TIFF requires entries in ascending tag order.
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  view.setUint16(offset, sorted.length, true);
  let data = offset + 2 + sorted.length * 12 + 4;
  sorted.forEach((entry, i) => {
    const at = offset + 2 + i * 12;
    view.setUint16(at, entry.tag, true);
    view.setUint16(at + 2, entry.type, true);
    view.setUint32(at + 4, entry.count, true);
    if (entry.value.length <= 4) {
      out.set(entry.value, at + 8); // left-justified in the value field
    } else {
      view.setUint32(at + 8, data, true);
      out.set(entry.value, data);
      data += even(entry.value.length); // values start on word boundaries
    }
  });
  view.setUint32(offset + 2 + sorted.length * 12, 0, true); // no next IFD (no thumbnail)
}

function even(n: number): number {
  return n + (n & 1);
}
