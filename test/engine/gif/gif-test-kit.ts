/**
 * Shared pieces of the GIF tests: fixtures, a codec context, and the reference tools (ImageMagick
 * to decode independently of our decoder, gifsicle to make variants of a fixture).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { DEFAULT_LIMITS, type EngineLimits } from '../../../src/engine/limits.js';
import type { CodecContext } from '../../../src/engine/types.js';
import { type OptimizePlan, parsePlan } from '../../../src/plan/index.js';

/** Bytes of a file in test/fixtures/gif. */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../../fixtures/gif/${name}`, import.meta.url)));
}

/** A codec context for a GIF job, with a generous deadline unless told otherwise. */
export function gifContext(
  plan: Partial<OptimizePlan> = {},
  limits: Partial<EngineLimits> = {},
  deadline = Date.now() + 60_000,
): CodecContext {
  return {
    info: { format: 'gif', width: 0, height: 0, frames: 1, hasAlpha: true, space: 'srgb', hasIcc: false },
    plan: parsePlan(plan),
    limits: { ...DEFAULT_LIMITS, ...limits },
    deadline,
  };
}

/** Runs Debian's gifsicle on bytes (stdin to stdout). */
export function gifsicle(input: Uint8Array, args: string[]): Uint8Array {
  return new Uint8Array(execFileSync('gifsicle', ['--no-warnings', ...args], { input }));
}

/** Every frame as ImageMagick composes it (`-coalesce`), full-canvas RGBA. */
export function imageMagickFrames(input: Uint8Array, width: number, height: number): Uint8Array[] {
  const raw = execFileSync('/usr/bin/convert', ['gif:-', '-coalesce', 'rgba:-'], {
    input,
    maxBuffer: 256 * 1024 * 1024,
  });
  const size = width * height * 4;
  const frames: Uint8Array[] = [];
  for (let offset = 0; offset + size <= raw.length; offset += size) {
    frames.push(new Uint8Array(raw.subarray(offset, offset + size)));
  }
  return frames;
}

/** Pixels that differ between two RGBA canvases; transparent in both counts as equal. */
export function differentPixels(a: Uint8Array, b: Uint8Array): number {
  let diff = 0;
  for (let i = 0; i < a.length; i += 4) {
    if (a[i + 3] === 0 && b[i + 3] === 0) continue;
    if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2] || a[i + 3] !== b[i + 3]) diff++;
  }
  return diff;
}

/**
 * A noisy 6-frame animation made by sharp from pil-hopper.gif: new noise in every frame (as in
 * dithered video captures) and a square moving across, so frame differencing alone finds little.
 */
export async function noisyAnimation(): Promise<Uint8Array> {
  const frames = 6;
  const base = await sharp(fixture('pil-hopper.gif'))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = base.info;
  const all = Buffer.alloc(base.data.length * frames);
  let state = 7;
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < base.data.length; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const noise = ((state >>> 16) % 13) - 6;
      all[f * base.data.length + i] = Math.max(0, Math.min(255, base.data[i]! + noise));
    }
    for (let y = 40; y < 60; y++) {
      for (let x = 10 + f * 15; x < 30 + f * 15; x++)
        all.set([250, 220, 40], f * base.data.length + (y * width + x) * 3);
    }
  }
  const gif = await sharp(all, { raw: { width, height: height * frames, channels: 3, pageHeight: height } })
    .gif({ delay: Array(frames).fill(100), loop: 0 })
    .toBuffer();
  return new Uint8Array(gif);
}
