/**
 * How the lossy GIF search judges a candidate: SSIMULACRA2 on the composited canvases of a few
 * frames spread over the timeline, flattened on white, the worst frame counting. Canvases come
 * from our own decoder, not libvips, whose disposal handling gives false alarms (notes/codecs.md §7.4).
 */
import { type DecodedGif, framesAtInstants, type GifCanvasFrame } from '../../decode/gif-frames.js';
import { MIN_METRIC_SIDE, type RgbImage, ssimulacra2 } from '../../metric/ssimulacra2.js';
import { mosaic, pickTiles, type Rect } from '../../search/sample.js';

/** Frames sampled over the timeline. */
const SAMPLED_FRAMES = 4;
/** Metric pixels per sampled frame: at ~2 µs per pixel, 4 frames cost ~0.4 s per evaluation. */
const PIXELS_PER_FRAME = 48 * 1024;

/** The input's side of the comparison, prepared once per search. */
export interface GifMetricReference {
  instantsMs: number[];
  tiles: Rect[];
  frames: RgbImage[];
}

/**
 * Samples the reference animation, or returns undefined when its frames are too small for
 * SSIMULACRA2 to be trusted (under 64 px a side).
 */
export function prepareReference(gif: DecodedGif): GifMetricReference | undefined {
  if (gif.width < MIN_METRIC_SIDE || gif.height < MIN_METRIC_SIDE) return undefined;
  const instantsMs = sampleInstants(gif);
  const canvases = framesAtInstants(gif, instantsMs).map((frame) => flattenOnWhite(frame, gif));
  const tiles = pickMetricTiles(canvases[0]!);
  return { instantsMs, tiles, frames: canvases.map((rgb) => mosaic(rgb, tiles)) };
}

/** Worst SSIMULACRA2 over the sampled frames of `candidate` against the reference. */
export async function scoreAnimation(reference: GifMetricReference, candidate: DecodedGif): Promise<number> {
  const frames = framesAtInstants(candidate, reference.instantsMs);
  let worst = Number.POSITIVE_INFINITY;
  for (let i = 0; i < frames.length; i++) {
    const distorted = mosaic(flattenOnWhite(frames[i]!, candidate), reference.tiles);
    worst = Math.min(worst, await ssimulacra2(reference.frames[i]!, distorted));
  }
  return worst;
}

/**
 * Instants in the middle of equal slices of one loop; a GIF without delays shows its last frame.
 * Fewer samples for short animations: one per frame at most.
 */
function sampleInstants(gif: DecodedGif): number[] {
  const total = gif.frames.reduce((sum, frame) => sum + frame.delayMs, 0);
  const count = Math.min(SAMPLED_FRAMES, gif.frames.length);
  if (total === 0) return [0];
  return Array.from({ length: count }, (_, k) => Math.floor(((k + 0.5) * total) / count));
}

/** The whole canvas when it is small, else tiles chosen across detail levels of the first sample. */
function pickMetricTiles(rgb: RgbImage): Rect[] {
  if (rgb.width * rgb.height <= PIXELS_PER_FRAME) {
    return [{ left: 0, top: 0, width: rgb.width, height: rgb.height }];
  }
  const tile = 64;
  return pickTiles(rgb, { tile, count: PIXELS_PER_FRAME / (tile * tile), align: 8 });
}

/** GIF pixels are fully opaque or fully transparent, so flattening is a choice per pixel. */
function flattenOnWhite(frame: GifCanvasFrame, gif: DecodedGif): RgbImage {
  const pixels = gif.width * gif.height;
  const rgb = new Uint8Array(pixels * 3).fill(255);
  const { rgba } = frame;
  for (let p = 0; p < pixels; p++) {
    if (rgba[p * 4 + 3] === 0) continue;
    rgb[p * 3] = rgba[p * 4]!;
    rgb[p * 3 + 1] = rgba[p * 4 + 1]!;
    rgb[p * 3 + 2] = rgba[p * 4 + 2]!;
  }
  return { data: rgb, width: gif.width, height: gif.height };
}
