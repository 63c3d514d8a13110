/**
 * Scores an encoder setting on the metric sample (representative tiles) instead of the whole
 * image: SSIMULACRA2 costs ~1.5-2 µs per pixel, encoding a 96 px tile well under a millisecond.
 */
import { decodeToRgb, type RgbImage, ssimulacra2 } from '../../metric/ssimulacra2.js';
import { mosaic, selectTiles } from '../../search/sample.js';
import { type EncodeJpegOptions, encodeJpeg } from './encode.js';

/** What the lossy search measures. */
export interface MetricSample {
  /** The tiles' original pixels, packed into one image by mosaic() (the whole image when small). */
  reference: RgbImage;
  /** Each tile on its own, in mosaic order. */
  tiles: RgbImage[];
  /** True when the sample is the whole image, so its score is the full-image score. */
  whole: boolean;
  /** Share of the image's pixels inside the sample (1 when whole). */
  coverage: number;
  /** Share of the image's tile-sized cells that are smooth (see SMOOTH_CELL_DETAIL); 0 when whole. */
  smoothShare: number;
}

/**
 * Cell detail (search/sample.ts detailOf: mean luma gradient, 8 units per level) below which a
 * cell counts as smooth: sky, bokeh, studio backdrops, where JPEG's 8x8 blocks show as steps. On
 * the corpus the share of such cells splits the photos cleanly: 0.74-0.85 on the soft wallpapers
 * and the retina scan, 0.52 on a phone photo with sky, under 0.4 on the rest.
 */
const SMOOTH_CELL_DETAIL = 20;

/** Tile side (a multiple of the 16 px MCU) and count; the margin (search.ts) is calibrated for these. */
const TILE = 96;
const TILE_COUNT = 8;

/**
 * Representative tiles of `image`: 8 of 96 px on the 16 px JPEG MCU grid (74 kpx). SSIMULACRA2
 * costs about as much per probe on 8 tiles of 128 px as mozjpeg encoding a 4 MP image; 96 px
 * tiles with a larger margin (search.ts) met the corpus targets at 3.1x instead of 5.2x the time
 * of one encode (with three probes; two now). Also measures what the margin depends on: the share
 * of the image the tiles cover and the share of smooth cells.
 */
export function metricSample(image: RgbImage): MetricSample {
  const { rects, cellDetails } = selectTiles(image, { tile: TILE, count: TILE_COUNT, align: 16 });
  const reference = mosaic(image, rects);
  if (reference === image) return { reference, tiles: [image], whole: true, coverage: 1, smoothShare: 0 };
  const smooth = cellDetails.filter((detail) => detail < SMOOTH_CELL_DETAIL).length;
  return {
    reference,
    tiles: rects.map((rect) => mosaic(image, [rect])),
    whole: false,
    coverage: (reference.width * reference.height) / (image.width * image.height),
    smoothShare: smooth / cellDetails.length,
  };
}

/**
 * Probe encodes skip mozjpeg's scan search: the decoded pixels, so the score, are the same with it
 * (encode.ts), and the bytes are compared only with other probes' bytes, measured alike.
 */
const PROBE: Pick<EncodeJpegOptions, 'optimiseScans'> = { optimiseScans: false };

/**
 * Bytes and SSIMULACRA2 score of the sample encoded with `options`. Each tile is encoded on its
 * own, then the decoded tiles are packed like the reference: encoding the mosaic itself would let
 * 4:2:0 chroma upsampling blend the colours of unrelated neighbouring tiles at every seam, which
 * the real image never shows (mate-Garden: 77.2 on the encoded mosaic at q80, 87.7 tile by tile;
 * 80.1 against 100 at q100).
 */
export async function scoreSample(
  sample: MetricSample,
  options: EncodeJpegOptions,
): Promise<{ score: number; bytes: number }> {
  const encoded = await encodeTiles(sample, options);
  const decoded = await Promise.all(encoded.map((bytes) => decodeToRgb(bytes)));
  const distorted = sample.whole ? decoded[0]! : packLikeReference(decoded);
  const score = await ssimulacra2(sample.reference, distorted);
  return { score, bytes: encoded.reduce((sum, bytes) => sum + bytes.length, 0) };
}

/**
 * Bytes of the sample's tiles encoded with `options` (no metric): to compare settings' cost, with
 * each other and with scoreSample's bytes (measured alike, without the scan search).
 */
export async function sampleBytes(sample: MetricSample, options: EncodeJpegOptions): Promise<number> {
  const encoded = await encodeTiles(sample, options);
  return encoded.reduce((sum, bytes) => sum + bytes.length, 0);
}

/** Each tile of the sample encoded on its own with `options`, as a probe (see {@link PROBE}). */
function encodeTiles(sample: MetricSample, options: EncodeJpegOptions): Promise<Uint8Array[]> {
  return Promise.all(sample.tiles.map((tile) => encodeJpeg(tile, { ...options, ...PROBE })));
}

/** Equal-sized tiles stacked into one column, then laid out by mosaic() exactly as the reference. */
function packLikeReference(tiles: RgbImage[]): RgbImage {
  const { width, height } = tiles[0]!;
  const column = new Uint8Array(width * height * 3 * tiles.length);
  for (const [index, tile] of tiles.entries()) column.set(tile.data, index * tile.data.length);
  const rects = tiles.map((_, index) => ({ left: 0, top: index * height, width, height }));
  return mosaic({ data: column, width, height: height * tiles.length }, rects);
}
