/**
 * SSIMULACRA2 of an output against its original, measured the way the issue asks:
 * - rasters: whole image, or its centre 2048×2048 when it has more than 4.2 MP; alpha on white;
 * - GIF: mean over 8 instants spread over the original's timeline, on composited canvases;
 * - SVG: both rendered by librsvg at 1024 px on the longer side.
 * Images with a side under 64 px are not scored: the metric is erratic there (notes/codecs.md §5).
 */
import { type DecodedGif, decodeGifFrames, framesAtInstants } from '../../src/engine/decode/gif-frames.js';
import { MIN_METRIC_SIDE, ssimulacra2 } from '../../src/engine/metric/ssimulacra2.js';
import { centreCrop, decodeRgbOnWhite, renderSvg, rgbaOnWhite } from './decode-display.js';
import type { BenchCategory } from './types.js';

/** Rasters above this many pixels are measured on a centre crop. */
const CROP_ABOVE_PIXELS = 4_200_000;
const CROP_SIDE = 2048;
const GIF_INSTANTS = 8;
const SVG_LONGEST_SIDE = 1024;
/** Browsers show GIF frames with a stored delay of 10 ms or less for about 100 ms. */
const BROWSER_MIN_DELAY_MS = 100;

export type ScoreVerdict = { score: number } | { skipped: string };

export async function perceptualScore(
  category: BenchCategory,
  original: Uint8Array,
  output: Uint8Array,
): Promise<ScoreVerdict> {
  if (category === 'svg') return { score: await svgScore(original, output) };
  if (category === 'gif') return gifScore(decodeGifFrames(original), decodeGifFrames(output));
  const [a, b] = await Promise.all([decodeRgbOnWhite(original), decodeRgbOnWhite(output)]);
  const small = tooSmall(a);
  if (small) return { skipped: small };
  if (a.width !== b.width || a.height !== b.height) {
    return { skipped: `size changed: ${a.width}x${a.height} -> ${b.width}x${b.height}` };
  }
  if (a.width * a.height > CROP_ABOVE_PIXELS) {
    return { score: await ssimulacra2(centreCrop(a, CROP_SIDE), centreCrop(b, CROP_SIDE)) };
  }
  return { score: await ssimulacra2(a, b) };
}

/** SSIMULACRA2 of two SVG renderings, the output scaled onto the original's rendered size. */
export async function svgScore(original: Uint8Array, output: Uint8Array): Promise<number> {
  const reference = await renderSvg(original, SVG_LONGEST_SIDE);
  const distorted = await renderSvg(output, SVG_LONGEST_SIDE, reference);
  return ssimulacra2(reference, distorted);
}

async function gifScore(original: DecodedGif, output: DecodedGif): Promise<ScoreVerdict> {
  const small = tooSmall(original);
  if (small) return { skipped: small };
  if (original.width !== output.width || original.height !== output.height) {
    return {
      skipped: `size changed: ${original.width}x${original.height} -> ${output.width}x${output.height}`,
    };
  }
  const a = asPlayed(original);
  const b = asPlayed(output);
  const total = a.frames.reduce((sum, frame) => sum + frame.delayMs, 0);
  const instants = Array.from({ length: GIF_INSTANTS }, (_, i) => ((i + 0.5) * total) / GIF_INSTANTS);
  const framesA = framesAtInstants(a, instants);
  const framesB = framesAtInstants(b, instants);
  let sum = 0;
  for (let i = 0; i < GIF_INSTANTS; i++) {
    sum += await ssimulacra2(
      rgbaOnWhite(framesA[i]!.rgba, a.width, a.height),
      rgbaOnWhite(framesB[i]!.rgba, b.width, b.height),
    );
  }
  return { score: sum / GIF_INSTANTS };
}

/** The animation with the delays browsers actually use, so zero-delay GIFs still have a timeline. */
function asPlayed(gif: DecodedGif): DecodedGif {
  return {
    ...gif,
    frames: gif.frames.map((frame) => ({
      rgba: frame.rgba,
      delayMs: frame.delayMs <= 10 ? BROWSER_MIN_DELAY_MS : frame.delayMs,
    })),
  };
}

function tooSmall(image: { width: number; height: number }): string | undefined {
  return Math.min(image.width, image.height) < MIN_METRIC_SIDE
    ? `side < ${MIN_METRIC_SIDE} px (${image.width}x${image.height})`
    : undefined;
}
