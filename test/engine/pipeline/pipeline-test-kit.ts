/**
 * Shared helpers of the pipeline tests: fixtures, decoding a fixture as the engine would, and
 * pixel comparisons on raw frames.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sharp } from 'sharp';
import { DEFAULT_LIMITS, type EngineLimits } from '../../../src/engine/limits.js';
import type { RawFrame } from '../../../src/engine/pipeline/frames.js';
import { decodeSource, type SourceImage } from '../../../src/engine/pipeline/source.js';
import { readImageInfo } from '../../../src/engine/probe.js';
import type { ImageFormat } from '../../../src/engine/types.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/pipeline');

export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

export function fixturePath(name: string): string {
  return join(FIXTURES, name);
}

/** decodeSource of encoded bytes, with headers read the way the engine reads them. */
export async function decode(
  bytes: Uint8Array,
  format: ImageFormat,
  limits: EngineLimits = DEFAULT_LIMITS,
): Promise<SourceImage> {
  return decodeSource(bytes, await readImageInfo(bytes, format), limits);
}

/** A sharp pipeline's raw output as a frame. */
export async function rawOf(pipeline: Sharp): Promise<RawFrame> {
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  assert.ok(info.channels === 3 || info.channels === 4);
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels };
}

/** Asserts two frames have the same size, channels and every sample. */
export function assertSameFrame(actual: RawFrame, expected: RawFrame, label: string): void {
  assert.equal(`${actual.width}x${actual.height}`, `${expected.width}x${expected.height}`, `${label}: size`);
  assert.equal(actual.channels, expected.channels, `${label}: channels`);
  let differ = 0;
  for (let i = 0; i < actual.data.length; i++) if (actual.data[i] !== expected.data[i]) differ++;
  assert.equal(differ, 0, `${label}: ${differ} samples differ`);
}

/** Samples of pixel (x, y). */
export function pixel(frame: RawFrame, x: number, y: number): number[] {
  const at = (y * frame.width + x) * frame.channels;
  return [...frame.data.subarray(at, at + frame.channels)];
}

/** Interleaved RGB of a 3- or 4-channel frame (for SSIMULACRA2). */
export function rgbOf(frame: RawFrame): { data: Uint8Array; width: number; height: number } {
  if (frame.channels === 3) return { data: frame.data, width: frame.width, height: frame.height };
  const out = new Uint8Array(frame.width * frame.height * 3);
  for (let i = 0, j = 0; j < out.length; i += 4, j += 3) out.set(frame.data.subarray(i, i + 3), j);
  return { data: out, width: frame.width, height: frame.height };
}
