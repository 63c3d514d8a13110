/**
 * The EXIF orientation tag inside a PNG eXIf chunk (a bare TIFF structure).
 *
 * Hand-written: only one tag of IFD0 is read and a fixed 26-byte structure is written, which is
 * less code than adapting a general EXIF library (exifr reads but cannot write).
 */

const ORIENTATION_TAG = 0x0112;
const TYPE_SHORT = 3;

/** The orientation (1 to 8) stored in a TIFF/EXIF block, or undefined when absent or unreadable. */
export function readOrientation(exif: Uint8Array): number | undefined {
  if (exif.length < 8) return undefined;
  const view = new DataView(exif.buffer, exif.byteOffset, exif.byteLength);
  const order = String.fromCharCode(exif[0]!, exif[1]!);
  if (order !== 'II' && order !== 'MM') return undefined;
  const little = order === 'II';
  if (view.getUint16(2, little) !== 42) return undefined;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > exif.length) return undefined;
  const entries = view.getUint16(ifd, little);
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > exif.length) return undefined;
    if (view.getUint16(entry, little) !== ORIENTATION_TAG) continue;
    if (view.getUint16(entry + 2, little) !== TYPE_SHORT) return undefined;
    const value = view.getUint16(entry + 8, little);
    return value >= 1 && value <= 8 ? value : undefined;
  }
  return undefined;
}

/** A minimal big-endian EXIF block holding only the orientation tag. */
export function orientationExif(orientation: number): Uint8Array {
  const out = new Uint8Array(26);
  const view = new DataView(out.buffer);
  out.set([0x4d, 0x4d], 0); // "MM": big-endian
  view.setUint16(2, 42);
  view.setUint32(4, 8); // IFD0 right after the header
  view.setUint16(8, 1); // one entry
  view.setUint16(10, ORIENTATION_TAG);
  view.setUint16(12, TYPE_SHORT);
  view.setUint32(14, 1); // count
  view.setUint16(18, orientation); // SHORT value, left-justified in the 4-byte field
  view.setUint32(22, 0); // no next IFD
  return out;
}
