/**
 * The smallest EXIF block that keeps an image upright: one IFD with one Orientation tag.
 *
 * Written by hand because it is 32 fixed bytes: the EXIF writers reachable here either rewrite the
 * whole image (sharp's withMetadata re-encodes, which lossless mode must not do) or copy the
 * original block with its GPS position, maker notes and thumbnail, which is what we strip.
 */
import { APP1, encodeSegment } from './segments.js';

/** Whether `orientation` is a valid EXIF orientation that changes how the image is displayed. */
export function isRotatingOrientation(orientation: number | undefined): orientation is number {
  return orientation !== undefined && Number.isInteger(orientation) && orientation >= 2 && orientation <= 8;
}

/**
 * An APP1 segment holding `Exif\0\0` and a big-endian TIFF structure whose IFD0 has only
 * Orientation (tag 0x0112, SHORT, count 1).
 */
export function orientationExifSegment(orientation: number): Uint8Array {
  if (!Number.isInteger(orientation) || orientation < 1 || orientation > 8) {
    throw new RangeError(`EXIF orientation must be 1..8, got ${orientation}`);
  }
  // biome-ignore format: one line per structure keeps the layout readable
  const payload = new Uint8Array([
    0x45, 0x78, 0x69, 0x66, 0x00, 0x00, // "Exif\0\0"
    0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, // TIFF header: "MM" (big-endian), 42, IFD0 at offset 8
    0x00, 0x01, // IFD0 holds one entry:
    0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, // tag 0x0112 Orientation, type 3 SHORT, count 1,
    0x00, orientation, 0x00, 0x00, // value, left-justified in the 4-byte field
    0x00, 0x00, 0x00, 0x00, // no next IFD
  ]);
  return encodeSegment(APP1, payload);
}
