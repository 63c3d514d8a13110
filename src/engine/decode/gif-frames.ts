/**
 * Decodes a GIF into the canvases a browser shows, honouring disposal, transparency, local
 * palettes and interlace (gif-compose.ts), and compares animations by what they show over time.
 * The lossless GIF path proves its outputs with it; the benchmark and the lossy search measure
 * GIFs on its canvases.
 *
 * Two shapes: whole-animation arrays (decodeGifFrames, framesAtInstants, sameAnimation) for
 * callers that want every frame, and streaming ones (compareGifAnimations, decodeGifAtInstants)
 * that hold two canvases at a time, for the engine, where a GIF may carry 100 M pixels of frames.
 */
import { DEFAULT_LIMITS } from '../limits.js';
import { assertWithinPixelLimit, composeCanvases, type GifCanvasFrame } from './gif-compose.js';
import { type GifStructure, parseGifStructure } from './gif-structure.js';

export type { GifCanvasFrame } from './gif-compose.js';

export interface DecodedGif {
  width: number;
  height: number;
  /** Loop count of the NETSCAPE2.0 extension (0 = forever); undefined when there is none (play once). */
  loopCount: number | undefined;
  frames: GifCanvasFrame[];
}

/** What a GIF plays, read from its headers alone. */
export interface GifTimeline {
  width: number;
  height: number;
  loopCount: number | undefined;
  frameCount: number;
  /** Sum of the frame delays (one loop), in ms. */
  durationMs: number;
  /** Delay of each frame, in ms. */
  delaysMs: number[];
}

interface DecodeOptions {
  /** Limit on width × height × frames (and on the frames' own areas); default DEFAULT_LIMITS.maxPixels. */
  maxPixels?: number;
}

/**
 * Decodes every frame of a GIF into full-canvas RGBA.
 * @throws SquishError CORRUPT_IMAGE for malformed or truncated data, TOO_MANY_PIXELS over the limit.
 */
export function decodeGifFrames(bytes: Uint8Array, options: DecodeOptions = {}): DecodedGif {
  const structure = parseChecked(bytes, options);
  const frames: GifCanvasFrame[] = [];
  // The composer yields its live canvas: each state is copied as it comes.
  for (const frame of composeCanvases(bytes, structure)) {
    frames.push({ rgba: frame.rgba.slice(), delayMs: frame.delayMs });
  }
  return { width: structure.width, height: structure.height, loopCount: structure.loopCount, frames };
}

/**
 * The headers' view of a GIF: size, loop count, frame count and delays.
 * @throws SquishError CORRUPT_IMAGE
 */
export function readGifTimeline(bytes: Uint8Array): GifTimeline {
  return timelineOf(parseGifStructure(bytes));
}

/**
 * The canvas on screen at each instant (ms from the start of one loop). A frame shows from the sum of
 * the delays before it until its own delay has passed; instants at or past the end get the last frame.
 */
export function framesAtInstants(gif: DecodedGif, instantsMs: number[]): GifCanvasFrame[] {
  const shown = frameIndicesAt(
    gif.frames.map((frame) => frame.delayMs),
    instantsMs,
  );
  return shown.map((index) => gif.frames[index]!);
}

/**
 * framesAtInstants without holding the whole animation: decodes frame by frame, keeps copies of
 * the canvases shown at the instants only, and stops after the last one needed.
 * @throws SquishError CORRUPT_IMAGE, TOO_MANY_PIXELS
 */
export function decodeGifAtInstants(
  bytes: Uint8Array,
  instantsMs: number[],
  options: DecodeOptions = {},
): { timeline: GifTimeline; frames: GifCanvasFrame[] } {
  const structure = parseChecked(bytes, options);
  const timeline = timelineOf(structure);
  const shown = frameIndicesAt(timeline.delaysMs, instantsMs);
  const wanted = new Set(shown);
  const kept = new Map<number, GifCanvasFrame>();
  const lastWanted = Math.max(...shown);
  let index = 0;
  for (const frame of composeCanvases(bytes, structure)) {
    if (wanted.has(index)) kept.set(index, { rgba: frame.rgba.slice(), delayMs: frame.delayMs });
    if (index++ >= lastWanted) break;
  }
  return { timeline, frames: shown.map((i) => kept.get(i)!) };
}

/** Verdict of an animation comparison; `detail` says where the first difference is. */
export interface AnimationComparison {
  equal: boolean;
  detail: string;
}

/**
 * Whether two GIFs play the same animation: same size and loop count, and the same canvas at every
 * frame-start instant of either, with the same total duration. Consecutive identical canvases are
 * merged first (summing their delays), which is what gifsicle does to them, and the merged
 * sequences are compared whole, so a zero-delay frame still counts (browsers show it ~100 ms).
 */
export function sameAnimation(a: DecodedGif, b: DecodedGif): AnimationComparison {
  const header = compareHeaders(a, b);
  if (header) return header;
  const verdict = compareRuns(identicalRuns(a.frames, false), identicalRuns(b.frames, false));
  return verdict.equal
    ? { equal: true, detail: `${verdict.detail}, ${a.frames.length} vs ${b.frames.length} frames` }
    : verdict;
}

/**
 * sameAnimation(decodeGifFrames(a), decodeGifFrames(b)), streaming: the GIFs given as bytes are
 * composed frame by frame side by side, so memory stays at a few canvases whatever the frame count.
 * `a` may also be an animation decoded beforehand (while a tool was busy making `b`, say).
 * @throws SquishError CORRUPT_IMAGE, TOO_MANY_PIXELS (from either GIF)
 */
export function compareGifAnimations(
  a: Uint8Array | DecodedGif,
  b: Uint8Array,
  options: DecodeOptions = {},
): AnimationComparison & { frames: [number, number] } {
  const structureB = parseChecked(b, options);
  let headerA: Header;
  let framesA: Iterable<GifCanvasFrame>;
  let countA: number;
  if (a instanceof Uint8Array) {
    const structureA = parseChecked(a, options);
    [headerA, framesA, countA] = [structureA, composeCanvases(a, structureA), structureA.frames.length];
  } else {
    [headerA, framesA, countA] = [a, a.frames, a.frames.length];
  }
  const frames: [number, number] = [countA, structureB.frames.length];
  const header = compareHeaders(headerA, structureB);
  if (header) return { ...header, frames };
  const verdict = compareRuns(
    identicalRuns(framesA, a instanceof Uint8Array),
    identicalRuns(composeCanvases(b, structureB), true),
  );
  return { ...verdict, frames };
}

function parseChecked(bytes: Uint8Array, options: DecodeOptions): GifStructure {
  const structure = parseGifStructure(bytes);
  assertWithinPixelLimit(structure, options.maxPixels ?? DEFAULT_LIMITS.maxPixels);
  return structure;
}

function timelineOf(structure: GifStructure): GifTimeline {
  const delaysMs = structure.frames.map((frame) => frame.delayCs * 10);
  return {
    width: structure.width,
    height: structure.height,
    loopCount: structure.loopCount,
    frameCount: structure.frames.length,
    durationMs: delaysMs.reduce((sum, delay) => sum + delay, 0),
    delaysMs,
  };
}

/** Index of the frame on screen at each instant (see framesAtInstants). */
function frameIndicesAt(delaysMs: number[], instantsMs: number[]): number[] {
  return instantsMs.map((instant) => {
    let start = 0;
    for (let i = 0; i < delaysMs.length; i++) {
      if (start <= instant && instant < start + delaysMs[i]!) return i;
      start += delaysMs[i]!;
    }
    return delaysMs.length - 1;
  });
}

type Header = Pick<DecodedGif, 'width' | 'height' | 'loopCount'>;

function compareHeaders(a: Header, b: Header): AnimationComparison | undefined {
  if (a.width !== b.width || a.height !== b.height) {
    return { equal: false, detail: `size ${a.width}x${a.height} vs ${b.width}x${b.height}` };
  }
  if (a.loopCount !== b.loopCount) {
    return { equal: false, detail: `loop count ${a.loopCount} vs ${b.loopCount}` };
  }
  return undefined;
}

/**
 * Consecutive identical canvases merged into one state lasting their summed delays. `copy`: the
 * frames are live canvases (composeCanvases), so a state keeps its own copy.
 */
function* identicalRuns(frames: Iterable<GifCanvasFrame>, copy: boolean): Generator<GifCanvasFrame> {
  let run: GifCanvasFrame | undefined;
  for (const frame of frames) {
    if (run && equalBytes(run.rgba, frame.rgba)) {
      run.delayMs += frame.delayMs;
      continue;
    }
    if (run) yield run;
    run = { rgba: copy ? frame.rgba.slice() : frame.rgba, delayMs: frame.delayMs };
  }
  if (run) yield run;
}

function compareRuns(a: Iterator<GifCanvasFrame>, b: Iterator<GifCanvasFrame>): AnimationComparison {
  let time = 0;
  for (let state = 0; ; state++) {
    const x = a.next();
    const y = b.next();
    if (x.done && y.done) return { equal: true, detail: `${state} displayed states` };
    const at = `displayed state ${state} (at ${time} ms)`;
    if (x.done || y.done) return { equal: false, detail: `${at}: only one animation has it` };
    if (!equalBytes(x.value.rgba, y.value.rgba)) {
      return {
        equal: false,
        detail: `${at}: ${countDifferentPixels(x.value.rgba, y.value.rgba)} pixels differ`,
      };
    }
    if (x.value.delayMs !== y.value.delayMs) {
      return { equal: false, detail: `${at}: lasts ${x.value.delayMs} vs ${y.value.delayMs} ms` };
    }
    time += x.value.delayMs;
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function countDifferentPixels(a: Uint8Array, b: Uint8Array): number {
  let diff = 0;
  for (let i = 0; i < a.length; i += 4) {
    if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2] || a[i + 3] !== b[i + 3]) diff++;
  }
  return diff;
}
