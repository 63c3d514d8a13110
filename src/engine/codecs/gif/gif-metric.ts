/**
 * How the lossy GIF search judges a candidate: SSIMULACRA2 on the composited canvases of a few
 * frames spread over the timeline, flattened on white, the worst frame counting. Canvases come
 * from our own decoder, not libvips, whose disposal handling gives false alarms (notes/codecs.md §7.4).
 */
import { decodeGifAtInstants, type GifCanvasFrame, type GifTimeline } from '../../decode/gif-frames.js';
import { MIN_METRIC_SIDE, type RgbImage, ssimulacra2 } from '../../metric/ssimulacra2.js';
import { mosaic, pickTiles, type Rect } from '../../search/sample.js';

/**
 * Metric pixels per evaluation, over all sampled frames: SSIMULACRA2 costs ~2 µs a pixel, so an
 * evaluation stays near 0.3 s, and the search makes up to 5 of them.
 */
const PIXELS_PER_EVALUATION = 160 * 1024;
/** Frames sampled over the timeline: at least 3 when the animation has them, at most 4. */
const MIN_SAMPLES = 3;
const MAX_SAMPLES = 4;
/** Tiles for canvases too large to measure whole in every sample (12 × 64² = 48 K pixels). */
const TILE = 64;
const TILES_PER_FRAME = 12;

/** The input's side of the comparison, prepared once per search. */
export interface GifMetricReference {
  instantsMs: number[];
  tiles: Rect[];
  frames: RgbImage[];
}

/**
 * Samples the reference animation (decoding only the frames it needs), or returns undefined when
 * its frames are too small for SSIMULACRA2 to be trusted (under 64 px a side).
 */
export function prepareReference(input: Uint8Array, maxPixels: number): GifMetricReference | undefined {
  const opening = decodeGifAtInstants(input, [0], { maxPixels });
  const { timeline } = opening;
  if (timeline.width < MIN_METRIC_SIDE || timeline.height < MIN_METRIC_SIDE) return undefined;
  const tiles = pickMetricTiles(flattenOnWhite(opening.frames[0]!, timeline));
  const tileArea = tiles.reduce((sum, rect) => sum + rect.width * rect.height, 0);
  const samples = Math.min(MAX_SAMPLES, Math.max(MIN_SAMPLES, Math.floor(PIXELS_PER_EVALUATION / tileArea)));
  const candidates = sampleInstants(timeline, samples);
  const sampled = decodeGifAtInstants(input, candidates, { maxPixels });
  const instantsMs: number[] = [];
  const frames: RgbImage[] = [];
  const seen = new Set<GifCanvasFrame>();
  sampled.frames.forEach((frame, i) => {
    // Instants that land on a frame already sampled (short animations, long delays) add nothing.
    if (seen.has(frame)) return;
    seen.add(frame);
    instantsMs.push(candidates[i]!);
    frames.push(mosaic(flattenOnWhite(frame, timeline), tiles));
  });
  return { instantsMs, tiles, frames };
}

/**
 * Worst SSIMULACRA2 over the sampled frames of `candidate` (encoded) against the reference.
 * @throws SquishError CORRUPT_IMAGE, TOO_MANY_PIXELS when the candidate does not decode.
 */
export async function scoreAnimation(
  reference: GifMetricReference,
  candidate: Uint8Array,
  maxPixels: number,
): Promise<number> {
  const { timeline, frames } = decodeGifAtInstants(candidate, reference.instantsMs, { maxPixels });
  let worst = Number.POSITIVE_INFINITY;
  for (let i = 0; i < frames.length; i++) {
    const distorted = mosaic(flattenOnWhite(frames[i]!, timeline), reference.tiles);
    worst = Math.min(worst, await ssimulacra2(reference.frames[i]!, distorted));
  }
  return worst;
}

/** Instants in the middle of equal slices of one loop; a GIF without delays shows its last frame. */
function sampleInstants(timeline: GifTimeline, samples: number): number[] {
  const total = timeline.durationMs;
  if (total === 0) return [0];
  return Array.from({ length: samples }, (_, k) => Math.floor(((k + 0.5) * total) / samples));
}

/**
 * The whole canvas when 3 samples of it fit the budget, else tiles chosen across detail levels
 * of the first frame (pickTiles still answers "whole" for canvases barely larger than the tiles).
 */
function pickMetricTiles(rgb: RgbImage): Rect[] {
  if (rgb.width * rgb.height * MIN_SAMPLES <= PIXELS_PER_EVALUATION) {
    return [{ left: 0, top: 0, width: rgb.width, height: rgb.height }];
  }
  return pickTiles(rgb, { tile: TILE, count: TILES_PER_FRAME, align: 8 });
}

/** GIF pixels are fully opaque or fully transparent, so flattening is a choice per pixel. */
function flattenOnWhite(frame: GifCanvasFrame, size: { width: number; height: number }): RgbImage {
  const pixels = size.width * size.height;
  const rgb = new Uint8Array(pixels * 3).fill(255);
  const { rgba } = frame;
  for (let p = 0; p < pixels; p++) {
    if (rgba[p * 4 + 3] === 0) continue;
    rgb[p * 3] = rgba[p * 4]!;
    rgb[p * 3 + 1] = rgba[p * 4 + 1]!;
    rgb[p * 3 + 2] = rgba[p * 4 + 2]!;
  }
  return { data: rgb, width: size.width, height: size.height };
}
