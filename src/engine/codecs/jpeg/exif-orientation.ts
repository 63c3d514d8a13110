/**
 * The smallest EXIF segment that keeps a JPEG upright: one IFD with one Orientation tag (the TIFF
 * block comes from the metadata module's writer). sharp's withMetadata would re-encode, which
 * lossless mode must not do, and copying the original block would keep GPS and maker notes.
 */
import { orientationTiff } from '../../metadata/tiff-writer.js';
import { APP1, encodeSegment } from './segments.js';

/** The identifier an APP1 EXIF segment starts with. */
const EXIF_HEADER = new Uint8Array([0x45, 0x78, 0x69, 0x66, 0x00, 0x00]);

/** Whether `orientation` is a valid EXIF orientation that changes how the image is displayed. */
export function isRotatingOrientation(orientation: number | undefined): orientation is number {
  return orientation !== undefined && Number.isInteger(orientation) && orientation >= 2 && orientation <= 8;
}

/** An APP1 segment holding `Exif\0\0` and a TIFF structure whose IFD0 has only Orientation. */
export function orientationExifSegment(orientation: number): Uint8Array {
  const tiff = orientationTiff(orientation);
  const payload = new Uint8Array(EXIF_HEADER.length + tiff.length);
  payload.set(EXIF_HEADER);
  payload.set(tiff, EXIF_HEADER.length);
  return encodeSegment(APP1, payload);
}
