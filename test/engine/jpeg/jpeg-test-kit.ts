/**
 * What the JPEG tests share: fixtures, the context the orchestrator would build, and generated
 * inputs carrying the metadata the codec must keep or drop.
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { DEFAULT_LIMITS } from '../../../src/engine/limits.js';
import { readImageInfo } from '../../../src/engine/probe.js';
import type { CodecContext } from '../../../src/engine/types.js';
import { type OptimizePlan, parsePlan } from '../../../src/plan/index.js';

/** A file of test/fixtures/jpeg/. */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../../fixtures/jpeg/${name}`, import.meta.url)));
}

/** The context the engine hands the codec: probed header facts, a validated plan, default limits. */
export async function jpegContext(
  input: Uint8Array,
  plan: Partial<OptimizePlan> = {},
): Promise<CodecContext> {
  return {
    info: await readImageInfo(input, 'jpeg'),
    plan: parsePlan(plan),
    limits: DEFAULT_LIMITS,
    deadline: Date.now() + DEFAULT_LIMITS.timeoutMs,
  };
}

/**
 * A progressive JPEG in Display P3 (so dropping the profile would shift colours), with EXIF
 * orientation 6, a camera make and a GPS position, made from the Kodak fixture.
 */
export async function taggedPhoto(): Promise<Uint8Array> {
  const out = await sharp(fixture('kodim05-q92.jpg'))
    .resize(320)
    .withIccProfile('p3')
    .withExif({
      IFD0: { Make: 'Squish Test Camera' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1' },
    })
    .withMetadata({ orientation: 6 })
    .jpeg({ quality: 90, progressive: true })
    .toBuffer();
  return new Uint8Array(out);
}

/** `jpeg` with a run of its entropy-coded data overwritten, the way a bad disk sector looks. */
export function damaged(jpeg: Uint8Array): Uint8Array {
  const out = new Uint8Array(jpeg);
  const middle = Math.floor(out.length * 0.6);
  // A stray restart marker in the middle of the scan: libjpeg reports corrupt data and resyncs.
  out.set([0xff, 0xd3, 0x12, 0x34, 0xff, 0xd6], middle);
  return out;
}
