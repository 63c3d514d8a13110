/**
 * oxipng (the @jsquash WASM build) for lossless PNG recompression.
 *
 * The package's default entry point loads its WASM with `fetch(file://...)`, which Node 20 cannot
 * do, so the wasm-bindgen glue is imported directly and initialised from the file's bytes
 * (notes/codecs.md §4). The build is single-threaded in Node.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SquishError } from '../../../errors/index.js';

interface OxipngGlue {
  default(module: Uint8Array): Promise<unknown>;
  optimise(data: Uint8Array, level: number, interlace: boolean, optimizeAlpha: boolean): Uint8Array;
}

let glue: Promise<OxipngGlue> | undefined;
/** Bumped after a trap: a trapped WASM instance may hold broken state, so the next call gets a new one. */
let generation = 0;

function load(): Promise<OxipngGlue> {
  glue ??= (async () => {
    const require = createRequire(import.meta.url);
    // The package does not export its codec folder, so resolve it from the package.json next to it.
    const root = dirname(require.resolve('@jsquash/oxipng/package.json'));
    const pkg = join(root, 'codec', 'pkg');
    const mod = (await import(
      `${pathToFileURL(join(pkg, 'squoosh_oxipng.js')).href}?instance=${generation}`
    )) as OxipngGlue;
    await mod.default(readFileSync(join(pkg, 'squoosh_oxipng_bg.wasm')));
    return mod;
  })();
  return glue;
}

export interface OxipngOptions {
  /** oxipng preset, 0 (fast) to 6 (slow). */
  level: number;
  /**
   * Let oxipng change the colour of fully transparent pixels (they look the same whatever it is)
   * so the rows compress better.
   */
  optimizeAlpha: boolean;
}

/**
 * Recompresses a PNG losslessly. The output is never interlaced (interlacing only costs bytes).
 * @throws SquishError CORRUPT_IMAGE when oxipng cannot decode the input, CODEC_FAILED when it traps.
 */
export async function oxipng(png: Uint8Array, options: OxipngOptions): Promise<Uint8Array> {
  const mod = await load().catch((error: unknown) => {
    glue = undefined;
    throw new SquishError('CODEC_FAILED', 'oxipng could not be loaded.', { cause: error });
  });
  try {
    return mod.optimise(png, options.level, false, options.optimizeAlpha);
  } catch (error) {
    generation++;
    glue = undefined;
    // oxipng reports bad input as a plain Error (`unwrap_throw`); a trap (RuntimeError: a panic or
    // running out of WASM memory) is our failure, not the image's. (No WebAssembly types without
    // the DOM lib, hence the name check.)
    if (error instanceof Error && error.name === 'RuntimeError') {
      throw new SquishError('CODEC_FAILED', 'oxipng crashed.', { cause: error });
    }
    throw new SquishError('CORRUPT_IMAGE', 'The PNG data could not be decoded.', { cause: error });
  }
}
