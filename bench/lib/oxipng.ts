/**
 * oxipng (WASM, @jsquash/oxipng) as a PNG reference. The package's default entry fetches its
 * .wasm by URL, which fails in Node (notes/codecs.md §4), so the wasm-bindgen glue is initialised
 * by hand with the file's bytes.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface OxipngGlue {
  initSync(module: Uint8Array): unknown;
  optimise(data: Uint8Array, level: number, interlace: boolean, optimizeAlpha: boolean): Uint8Array;
}

let glue: OxipngGlue | undefined;

async function load(): Promise<OxipngGlue> {
  if (glue) return glue;
  const require = createRequire(import.meta.url);
  const wasmPath = require.resolve('@jsquash/oxipng/codec/pkg/squoosh_oxipng_bg.wasm');
  const loaded = (await import('@jsquash/oxipng/codec/pkg/squoosh_oxipng.js')) as unknown as OxipngGlue;
  loaded.initSync(readFileSync(wasmPath));
  glue = loaded;
  return glue;
}

/** Lossless oxipng at `level`, no interlacing, colours of transparent pixels kept. */
export async function oxipng(png: Uint8Array, level: number): Promise<Uint8Array> {
  const { optimise } = await load();
  return optimise(png, level, false, false);
}
