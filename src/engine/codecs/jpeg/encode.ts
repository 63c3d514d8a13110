/**
 * Encodes decoded pixels as a JPEG with mozjpeg (inside sharp): trellis quantisation, optimized
 * progressive scans and its own quantisation tables, about 25 % smaller than libjpeg-turbo at
 * the same quality setting (notes/codecs.md §3). Reused by the resize/convert pipeline.
 */

import sharp, { type Sharp } from 'sharp';
import type { RgbImage } from '../../metric/ssimulacra2.js';

/**
 * mozjpeg's quantisation table 2 (tuned for MS-SSIM on the Kodak set) instead of sharp's default 3
 * (N. Robidoux's): at equal SSIMULACRA2 (score 83 on the tile mosaics of the 20 corpus photos where
 * 4:2:0 reaches it) it needed 3.5 % fewer bytes on average (median -3.0 %, worse on 3 files by at
 * most 2 %). Table 5 (Klein et al.) saved as much on average but was 10 % worse on one file, so
 * the lossy search tries it beside table 2 on photos ({@link PHOTO_ALTERNATE_TABLE}).
 */
export const QUANTISATION_TABLE = 2;

/**
 * mozjpeg's table 5 (Klein, Silverstein and Carney): as good as table 2 on average over the corpus
 * photos, but not on the same photos, so the lossy search tries both on each photo (search.ts).
 */
export const PHOTO_ALTERNATE_TABLE = 5;

/**
 * mozjpeg's flat quantisation table (every coefficient quantised alike): it keeps the high
 * frequencies that sharp edges need, so line art, text and star fields come out smaller at the
 * same score than with the photo-tuned table 2 (im-examples, line art: 605 KB instead of 699 KB at
 * a full-image score of 80-81), while photos come out larger. The lossy search tries it on
 * colour-detailed images only (search.ts).
 */
export const FLAT_QUANTISATION_TABLE = 1;

/** The chroma layouts the encoder offers (sharp exposes no 4:2:2). */
export type JpegChroma = '4:2:0' | '4:4:4';

export interface EncodeJpegOptions {
  /** mozjpeg quality, 1 to 100. */
  quality: number;
  /** 4:2:0 halves chroma resolution both ways; 4:4:4 keeps it (saturated edges, red text). */
  chromaSubsampling: JpegChroma;
  /** mozjpeg quantisation table, 0 to 8 (default {@link QUANTISATION_TABLE}). */
  quantisationTable?: number;
  /**
   * mozjpeg's search for the smallest progressive scan script (default true). It changes the
   * bytes only, never the pixels (the same decoded pixels with and without it on 180 encodes: the
   * API bench's three photos at 96 and 512 px, qualities 30-95, tables 1, 2 and 5, both chroma
   * layouts), and costs about a third of an encode for 1.5 % of the bytes: encodes that are only
   * measured (the lossy search's probes) leave it out.
   */
  optimiseScans?: boolean;
}

/**
 * JPEG bytes for `pixels`: a sharp pipeline (anything sharp can read, already transformed) or
 * packed 8-bit RGB. No metadata is written; pixels are taken as sRGB.
 */
export async function encodeJpeg(pixels: Sharp | RgbImage, options: EncodeJpegOptions): Promise<Uint8Array> {
  const pipeline = isRgbImage(pixels)
    ? sharp(pixels.data, { raw: { width: pixels.width, height: pixels.height, channels: 3 } })
    : pixels;
  const out = await pipeline
    .jpeg({
      mozjpeg: true,
      quantisationTable: options.quantisationTable ?? QUANTISATION_TABLE,
      quality: options.quality,
      chromaSubsampling: options.chromaSubsampling,
      ...(options.optimiseScans === false ? { optimiseScans: false } : {}),
    })
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function isRgbImage(pixels: Sharp | RgbImage): pixels is RgbImage {
  return (pixels as RgbImage).data instanceof Uint8Array;
}
