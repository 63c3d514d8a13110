import type { Sharp } from 'sharp';
import type { AppearanceMetadata } from '../../../plan/index.js';
import type { ImageInfo } from '../../types.js';

/**
 * Carries what changes how an image looks into a sharp re-encode, and nothing else: sharp strips
 * all metadata by default. The ICC profile is copied as it is (pixels are not converted, so a
 * lossless re-encode stays pixel-exact); orientation is written as a one-tag EXIF block, so
 * camera details and GPS positions are not carried along.
 */
export function keepAppearance(pipeline: Sharp, info: ImageInfo, keep: AppearanceMetadata): Sharp {
  let out = pipeline;
  if (keep.icc && info.hasIcc) out = out.keepIccProfile();
  if (keep.orientation && info.orientation !== undefined && info.orientation !== 1) {
    out = out.withExif({ IFD0: { Orientation: String(info.orientation) } });
  }
  return out;
}
