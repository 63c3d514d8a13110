/**
 * The EXIF orientation tag inside a PNG eXIf chunk (a bare TIFF structure).
 *
 * Reading is hand-written: only one tag of IFD0 is needed, synchronously, before the chunk is
 * kept or dropped. Writing uses the metadata module's TIFF writer.
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

/** A minimal EXIF block holding only the orientation tag (for a PNG eXIf chunk). */
export { orientationTiff as orientationExif } from '../../metadata/tiff-writer.js';
