/**
 * The workload of the load benchmarks (bench:api, bench:scale), in the manner of the imgproxy
 * image-servers benchmark: three corpus photos resized to 2048 px wide, each request scaling one
 * to cover 512x512.
 */
import sharp from 'sharp';
import { corpusFile } from '../lib/corpus.js';

export const PHOTOS = [
  'jpeg/mate-Aqua.jpg',
  'jpeg/exif-42_IndexError_12MP.jpg',
  'jpeg/mate-Elephants_3840x2160.jpg',
];
/** Width the photos are brought to before the run (upright, JPEG q90). */
export const WIDTH = 2048;
/** Side of the square every request's output covers. */
export const BOX = 512;

/** The photos, upright and WIDTH px wide, as JPEG bytes. */
export async function preparePhotos(): Promise<Buffer[]> {
  return Promise.all(
    PHOTOS.map((file) =>
      sharp(corpusFile(file)).rotate().resize({ width: WIDTH }).jpeg({ quality: 90 }).toBuffer(),
    ),
  );
}
