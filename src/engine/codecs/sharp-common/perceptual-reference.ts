/**
 * The input as the lossy search sees it: SSIMULACRA2 references prepared once, so that judging a
 * candidate costs one decode and a metric run on a few tiles of a few frames.
 */
import { SquishError } from '../../../errors/index.js';
import { MIN_METRIC_SIDE, type RgbImage, ssimulacra2 } from '../../metric/ssimulacra2.js';
import { mosaic, pickTiles, type Rect } from '../../search/sample.js';
import { flattenFrame, hasTransparency, type RgbaFrames } from './frames.js';

/** Judges candidates against the input they were encoded from. */
export interface PerceptualReference {
  /** Lowest SSIMULACRA2 over the sampled frames and backgrounds (the worst view decides). */
  score(candidate: RgbaFrames): Promise<number>;
  /** True when `score` looks at tiles rather than at whole frames. */
  readonly tiled: boolean;
  /**
   * How many points `score` over-rates this candidate compared with the whole image (never
   * negative; 0 when not tiled). Costs one metric run on about a megapixel.
   */
  optimism(candidate: RgbaFrames, tileScore: number): Promise<number>;
}

interface View {
  frame: number;
  background: number;
  tiles: Rect[];
  /** Nearest-neighbour enlargement for images too small for the metric. */
  scale: number;
  reference: RgbImage;
}

/** Animations are judged on this many frames, spread over the timeline (first, middle, last). */
export const SAMPLED_FRAMES = 3;

/**
 * Prepares the references from the input's sampled frames (see sampleFrames); candidates must be
 * decoded at the same frame indexes. Images with transparency are judged flattened on white and
 * on black: the metric sees only RGB, and an alpha error can hide on one background but not both.
 */
export function buildReference(source: RgbaFrames): PerceptualReference {
  const backgrounds = hasTransparency(source) ? [255, 0] : [255];
  const scale = scaleForMetric(source.width, source.frameHeight);
  const views: View[] = [];
  for (let frame = 0; frame < source.frames; frame++) {
    const white = enlarge(flattenFrame(source, frame, 255), scale);
    const tiles = pickTiles(white);
    for (const background of backgrounds) {
      const flat = background === 255 ? white : enlarge(flattenFrame(source, frame, background), scale);
      views.push({ frame, background, tiles, scale, reference: mosaic(flat, tiles) });
    }
  }
  const tiled = views.some((view) => view.tiles.length > 1);
  const tileArea = views[0]!.reference.width * views[0]!.reference.height;
  const checkGeometry = (candidate: RgbaFrames) => {
    if (
      candidate.width !== source.width ||
      candidate.frameHeight !== source.frameHeight ||
      candidate.frames !== source.frames
    ) {
      throw new SquishError(
        'CODEC_FAILED',
        `encoder changed the geometry: ${candidate.width}x${candidate.frameHeight}x${candidate.frames} frames`,
      );
    }
  };
  return {
    tiled,
    async score(candidate) {
      checkGeometry(candidate);
      let worst = Number.POSITIVE_INFINITY;
      for (const view of views) {
        const flat = enlarge(flattenFrame(candidate, view.frame, view.background), view.scale);
        worst = Math.min(worst, await ssimulacra2(view.reference, mosaic(flat, view.tiles)));
      }
      return worst;
    },
    async optimism(candidate, tileScore) {
      if (!tiled) return 0;
      checkGeometry(candidate);
      const white = flattenFrame(source, 0, 255);
      const tiles = pickTiles(white, { tile: WIDE_TILE, count: 4 });
      const wideArea = tiles.reduce((sum, rect) => sum + rect.width * rect.height, 0);
      const wideScore = await ssimulacra2(
        mosaic(white, tiles),
        mosaic(flattenFrame(candidate, 0, 255), tiles),
      );
      const measured = Math.max(0, tileScore - wideScore);
      // SSIMULACRA2 falls steadily as the area it looks at grows (2560x1600 photos, q77 WebP:
      // 8 tiles of 128 px 76.9 and 76.3, 4 of 512 px 73.7 and 71.4, whole 71.5 and 70.5), about
      // the same amount per doubling of the area. When the wide view is not the whole frame, the
      // fall is extended to the whole frame, up to 4.2 MP (the benchmark's 2048x2048 crop).
      const fullArea = Math.min(source.width * source.frameHeight, MEASURED_AREA);
      if (wideArea >= fullArea) return measured;
      return measured * (1 + Math.log2(fullArea / wideArea) / Math.log2(wideArea / tileArea));
    },
  };
}

/** Side of the wide view's tiles (four of them: about one megapixel, ~2 s of metric here). */
const WIDE_TILE = 512;

/** Largest area a whole-image score is taken on (a centre 2048x2048 crop in the benchmark). */
const MEASURED_AREA = 2048 * 2048;

/** Frame indexes to judge: all of a short animation, else first, middle and last. */
export function sampleFrames(frames: number): number[] {
  const picked = new Set<number>();
  for (let i = 0; i < Math.min(frames, SAMPLED_FRAMES); i++) {
    picked.add(Math.round((i * (frames - 1)) / Math.max(1, SAMPLED_FRAMES - 1)));
  }
  return [...picked].sort((a, b) => a - b);
}

/** Integer factor that brings the shorter side up to the metric's minimum (1 when already there). */
function scaleForMetric(width: number, height: number): number {
  return Math.max(1, Math.ceil(MIN_METRIC_SIDE / Math.max(1, Math.min(width, height))));
}

/**
 * Nearest-neighbour enlargement: SSIMULACRA2's six scales are unstable below 64 px, and repeating
 * pixels keeps every error the same size relative to the picture.
 */
function enlarge(image: RgbImage, scale: number): RgbImage {
  if (scale === 1) return image;
  const width = image.width * scale;
  const height = image.height * scale;
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / scale) * image.width;
    for (let x = 0; x < width; x++) {
      const from = (row + Math.floor(x / scale)) * 3;
      const to = (y * width + x) * 3;
      out[to] = image.data[from]!;
      out[to + 1] = image.data[from + 1]!;
      out[to + 2] = image.data[from + 2]!;
    }
  }
  return { data: out, width, height };
}
