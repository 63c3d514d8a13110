/**
 * SSIMULACRA2 by calc-s2-rust, a WASM build of the Rust port (rust-av/ssimulacra2 of early 2023):
 * the implementation every target and margin of the engine was calibrated with, and the one the
 * engine's own (src/engine/metric/ssimulacra2-score.ts) is held to on images with all 6 scales.
 * A development dependency only: the engine no longer runs it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { RgbImage } from '../../src/engine/metric/ssimulacra2.js';

interface S2Module {
  initSync(module: Uint8Array): unknown;
  new_buffer(key: string, len: number): number;
  remove_buffer(key: string): void;
  calc_s2(a: string, b: string, width: number, height: number): number;
}

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

/** calc-s2-rust's SSIMULACRA2 of two equally sized, tightly packed RGB images (checked by the caller). */
export async function calcS2Rust(reference: RgbImage, distorted: RgbImage): Promise<number> {
  const { mod, memory } = await load();
  const len = reference.width * reference.height * 3;
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
