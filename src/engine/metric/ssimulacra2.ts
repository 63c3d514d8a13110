/**
 * SSIMULACRA2, the perceptual metric Squish aims its lossy search at.
 *
 * Computed by `calc-s2-rust` (a WASM build of the Rust `ssimulacra2` port): the only SSIMULACRA2
 * implementation reachable here (no Debian or native npm build exists, see notes/codecs.md).
 * Scores: 100 = identical, 90 = visually lossless at normal viewing, 80 = very high quality,
 * 70 = high quality, 50 = medium. It costs about 2.2 µs per pixel on one core, so callers measure
 * samples of large images, never the whole of a 12 MP photo.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { rawView } from '../raw-image.js';

/** Interleaved 8-bit RGB pixels (3 bytes per pixel, no alpha). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

interface S2Module {
  initSync(module: Uint8Array): unknown;
  new_buffer(key: string, len: number): number;
  remove_buffer(key: string): void;
  calc_s2(a: string, b: string, width: number, height: number): number;
}

/** The smallest side SSIMULACRA2 gives stable answers for (its 6 scales halve the image 5 times). */
export const MIN_METRIC_SIDE = 64;

let loaded: { mod: S2Module; memory: { buffer: ArrayBuffer } } | undefined;

async function load(): Promise<{ mod: S2Module; memory: { buffer: ArrayBuffer } }> {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const jsPath = require.resolve('calc-s2-rust/calc_s2_rust.js');
  // The package is ESM without "type": "module"; Node 20.19+ detects the syntax and loads it.
  const mod = (await import(jsPath)) as S2Module;
  const exports = mod.initSync(readFileSync(jsPath.replace(/\.js$/, '_bg.wasm'))) as {
    memory: { buffer: ArrayBuffer };
  };
  loaded = { mod, memory: exports.memory };
  return loaded;
}

let sequence = 0;

/**
 * SSIMULACRA2 of `distorted` against `reference` (same dimensions, RGB).
 * @throws RangeError when the dimensions differ.
 */
export async function ssimulacra2(reference: RgbImage, distorted: RgbImage): Promise<number> {
  if (reference.width !== distorted.width || reference.height !== distorted.height) {
    throw new RangeError(
      `ssimulacra2 needs equal dimensions, got ${reference.width}x${reference.height} and ${distorted.width}x${distorted.height}`,
    );
  }
  const { mod, memory } = await load();
  const len = reference.width * reference.height * 3;
  if (reference.data.length !== len || distorted.data.length !== len) {
    throw new RangeError('ssimulacra2 expects tightly packed 3-channel RGB buffers');
  }
  const id = ++sequence;
  const keyA = `a${id}`;
  const keyB = `b${id}`;
  return quietly(() => {
    let computed = false;
    try {
      // new_buffer may grow wasm memory, so take the view after both allocations.
      const ptrA = mod.new_buffer(keyA, len);
      const ptrB = mod.new_buffer(keyB, len);
      const heap = new Uint8Array(memory.buffer);
      heap.set(reference.data, ptrA);
      heap.set(distorted.data, ptrB);
      const score = mod.calc_s2(keyA, keyB, reference.width, reference.height);
      computed = true;
      return score;
    } finally {
      // calc_s2 frees both buffers itself; free them here only when it did not run.
      if (!computed) {
        mod.remove_buffer(keyA);
        mod.remove_buffer(keyB);
      }
    }
  });
}

/**
 * The WASM build prints a line to console.log on every allocation. Its imports are private to the
 * package's glue, so the calls (all synchronous) run with console.log silenced instead.
 */
function quietly<T>(fn: () => T): T {
  const log = console.log;
  const error = console.error;
  console.log = () => {};
  console.error = () => {};
  try {
    return fn();
  } finally {
    console.log = log;
    console.error = error;
  }
}

/**
 * Decodes an encoded image (first frame) to RGB, flattening alpha on white, the way the
 * benchmark and the lossy search compare images.
 */
export async function decodeToRgb(
  encoded: Uint8Array,
  options: { density?: number } = {},
): Promise<RgbImage> {
  const output = await sharp(encoded, {
    failOn: 'none',
    density: options.density,
    limitInputPixels: false,
  })
    .flatten({ background: '#ffffff' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return rawView(output);
}
