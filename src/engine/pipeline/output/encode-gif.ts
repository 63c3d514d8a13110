/**
 * GIF outputs from pipeline pixels: sharp's GIF writer (cgif, palettes by libimagequant) with the
 * pipeline's delays and loop, then the GIF codec on those bytes (gifsicle -O3, and in lossy mode
 * its --lossy search), so frame optimisation and the lossy search are the byte path's.
 *
 * Exactness: an image of at most 256 colours per frame gets an exact palette; more colours need
 * quantisation (libimagequant, its best palette up to 2 MP, light dithering), and the candidate
 * then says lossless: false. In lossy mode cgif's own inter-frame shortcuts (see writerOptions)
 * come before gifsicle's search, which scores against this draft, so their loss is not in the score. Translucent pixels become opaque or transparent (GIF has 1-bit alpha).
 */
import { gifOptimizer } from '../../codecs/gif/index.js';
import { encoding } from '../../codecs/sharp-common/sharp-errors.js';
import { readImageInfo } from '../../probe.js';
import type { Candidate, CodecContext } from '../../types.js';
import { frameAt, type PixelFrames } from '../frames.js';
import { animationOptions, framesToSharp } from '../to-sharp.js';
import type { TransformedImage } from '../transform.js';
import type { OutputSettings } from './settings.js';

export async function encodeGifOutput(
  image: TransformedImage,
  settings: OutputSettings,
  deadline: number,
): Promise<Candidate> {
  const exact = fitsPalette(image);
  const pixels = image.width * image.height * image.frameCount;
  const draft = await encoding('GIF encode', async () => {
    const out = await framesToSharp(image)
      .gif({ ...writerOptions(exact, settings.lossy, pixels), ...animationOptions(image) })
      .toBuffer();
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  });
  const ctx: CodecContext = {
    info: await readImageInfo(draft, 'gif'),
    plan: {
      lossy: settings.lossy,
      keep: { icc: false, orientation: false },
      ...(settings.quality !== undefined ? { quality: settings.quality } : {}),
      ...(settings.target !== undefined ? { target: settings.target } : {}),
    },
    limits: settings.limits,
    deadline,
  };
  const optimized = settings.lossy
    ? await gifOptimizer.lossy(draft, ctx)
    : await gifOptimizer.lossless(draft, ctx);
  const candidate = optimized.data.length <= draft.length ? optimized : { ...optimized, data: draft };
  const notes = [...(candidate.notes ?? [])];
  if (!exact) notes.push('more than 256 colours in a frame: GIF palette quantised');
  if (hasPartialAlpha(image)) notes.push('GIF transparency is on or off: translucent pixels were rounded');
  return {
    ...candidate,
    method: `gif (cgif) + ${candidate.method}`,
    lossless: candidate.lossless && exact && !hasPartialAlpha(image),
    notes,
  };
}

/**
 * libimagequant's effort for a GIF of `pixels` (width x height x frames). Its palette search is
 * most of a large GIF's encoding, about 1.4 µs a pixel at effort 10, 0.9 at 7 and 0.3 at 4 on this
 * machine: a 42-frame animation (pil-iss634-anim) enlarged to 900x900, 34 MP, ran out of the 60 s
 * job time at effort 10. Measured on that animation at 500x500 (10.5 MP): 15.3 s at effort 10,
 * 9.3 s at 7, 3.3 s at 4; after gifsicle -O3, 0.03 % and 14.5 % more bytes than at 10. Over the
 * corpus GIFs resized to 80 % and to 2x, effort 7 took 31 % less time for 0.08 % more bytes, with the
 * same first-frame SSIMULACRA2 except on two 2x enlargements (0.8 lower): small images keep 10.
 */
export function quantiserEffort(pixels: number): number {
  if (pixels <= 2 ** 21) return 10;
  return pixels <= 2 ** 24 ? 7 : 4;
}

/**
 * cgif settings (effort: see {@link quantiserEffort}). Reusing the previous frame's palette is what
 * keeps animations small: with a fresh local palette per frame, the chi animation of the corpus
 * resized to 80 % came out of gifsicle -O3 at 19.9 kB, with `reuse` and interPaletteMaxError 8 at 12.1 kB (20: 11.6 kB); in
 * lossy mode also letting pixels within 4 of the previous frame stay transparent (interFrameMaxError)
 * and reusing palettes up to error 40 gave 6.2 kB (gifsicle's logo animation: 32.4 -> 18.4 kB).
 * Exact palettes are not dithered (nothing to dither); quantised ones lightly (gradients).
 */
function writerOptions(exact: boolean, lossy: boolean, pixels: number) {
  return {
    effort: quantiserEffort(pixels),
    dither: exact ? 0 : 0.5,
    reuse: true,
    interPaletteMaxError: exact ? 0 : lossy ? 40 : 8,
    interFrameMaxError: lossy && !exact ? 4 : 0,
  };
}

/** Whether every frame has at most 256 distinct colours (counting alpha), so a palette is exact. */
function fitsPalette(image: PixelFrames): boolean {
  for (let i = 0; i < image.frameCount; i++) {
    const frame = frameAt(image, i);
    const seen = new Set<number>();
    const step = frame.channels;
    for (let p = 0; p < frame.data.length; p += step) {
      const alpha = step === 4 ? frame.data[p + 3]! : 255;
      // Fully transparent pixels are one colour whatever their RGB.
      const key =
        alpha === 0
          ? -1
          : ((frame.data[p]! << 16) | (frame.data[p + 1]! << 8) | frame.data[p + 2]!) + alpha * 2 ** 24;
      seen.add(key);
      if (seen.size > 256) return false;
    }
  }
  return true;
}

function hasPartialAlpha(image: PixelFrames): boolean {
  if (image.channels !== 4) return false;
  const { data } = image;
  for (let p = 3; p < data.length; p += 4) if (data[p] !== 0 && data[p] !== 255) return true;
  return false;
}
