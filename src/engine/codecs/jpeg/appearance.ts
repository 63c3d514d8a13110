/**
 * The metadata that changes how a JPEG looks, rebuilt as segments to splice into an output whose
 * metadata was otherwise stripped: the ICC profile and the EXIF orientation. (The Adobe APP14
 * segment that CMYK/YCCK decoding needs is written by jpegtran itself from the frame's colour
 * space, so it is not copied here.)
 */
import type { AppearanceMetadata } from '../../../plan/index.js';
import { isRotatingOrientation, orientationExifSegment } from './exif-orientation.js';
import { APP2, hasSignature, type JpegHeader, type JpegSegment } from './segments.js';

const ICC_SIGNATURE = 'ICC_PROFILE\0';

/** The APP2 ICC_PROFILE chunks of the header, in file order (a large profile spans several). */
export function iccSegments(header: JpegHeader): JpegSegment[] {
  return header.segments.filter((s) => s.marker === APP2 && hasSignature(s, ICC_SIGNATURE));
}

/**
 * Segments to splice back into a stripped output of `input`: the ICC chunks when `keep.icc`, a
 * minimal EXIF block when `keep.orientation` and the orientation is not 1.
 */
export function appearanceSegments(
  input: Uint8Array,
  header: JpegHeader,
  keep: AppearanceMetadata,
  orientation: number | undefined,
): Uint8Array[] {
  const kept: Uint8Array[] = [];
  if (keep.orientation && isRotatingOrientation(orientation)) kept.push(orientationExifSegment(orientation));
  if (keep.icc) {
    for (const segment of iccSegments(header)) kept.push(input.subarray(segment.start, segment.end));
  }
  return kept;
}
