/**
 * The pool's isolation: a job that runs too long or grows too large is killed alone, and the
 * pool goes on serving.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { EnginePool } from '../../src/engine/index.js';
import { parsePlan } from '../../src/plan/index.js';
import { assertSamePixels } from '../helpers/pixels.js';

/** A noisy 1500x1000 PNG: lossy search on it takes well over 100 ms. */
async function noisyPng(): Promise<Buffer> {
  const width = 1500;
  const height = 1000;
  const raw = Buffer.alloc(width * height * 3);
  let seed = 7;
  for (let i = 0; i < raw.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    raw[i] = (seed >>> 16) & 0xff;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

const tiny = () =>
  sharp({ create: { width: 32, height: 32, channels: 3, background: '#f80' } })
    .png({ compressionLevel: 0 })
    .toBuffer();

test('a job past its time limit is killed, and the next job runs', async () => {
  const pool = new EnginePool({ size: 1, limits: { timeoutMs: 100 } });
  try {
    await assert.rejects(pool.run(await noisyPng(), parsePlan({ lossy: true })), {
      code: 'PROCESSING_TIMEOUT',
    });
    const result = await pool.run(await tiny(), parsePlan());
    assert.equal(result.format, 'png');
  } finally {
    await pool.close();
  }
});

test('a job past its memory limit is killed, and a pool with room serves it', async () => {
  const input = await noisyPng();
  const starved = new EnginePool({ size: 1, limits: { maxMemoryBytes: 32 * 1024 * 1024 } });
  try {
    await assert.rejects(starved.run(input, parsePlan({ lossy: true })), { code: 'MEMORY_LIMIT' });
  } finally {
    await starved.close();
  }
  const roomy = new EnginePool({ size: 1 });
  try {
    const result = await roomy.run(input, parsePlan());
    assert.ok(result.peakRssBytes === undefined || result.peakRssBytes > 32 * 1024 * 1024);
  } finally {
    await roomy.close();
  }
});

test('jobs beyond the pool size wait their turn and all complete', async () => {
  const pool = new EnginePool({ size: 2 });
  try {
    const input = await tiny();
    const results = await Promise.all(Array.from({ length: 5 }, () => pool.run(input, parsePlan())));
    assert.equal(results.length, 5);
    for (const r of results) assert.ok(r.optimizedSize <= input.length);
  } finally {
    await pool.close();
  }
});

test('a closed pool refuses work', async () => {
  const pool = new EnginePool({ size: 1 });
  await pool.close();
  await assert.rejects(pool.run(await tiny(), parsePlan()), { code: 'INTERNAL' });
});

test('an input given in pieces is optimized as the whole input is', async () => {
  const pool = new EnginePool({ size: 1 });
  try {
    const input = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#3a7' } })
      .jpeg({ quality: 95 })
      .toBuffer();
    const pieces = [
      input.subarray(0, 7),
      input.subarray(7, 7),
      input.subarray(7, 5000),
      input.subarray(5000),
    ];
    const plan = parsePlan({
      lossy: true,
      quality: 80,
      resize: { strategy: 'fit', width: 120, height: 120 },
    });
    const whole = await pool.run(input, plan);
    const pieced = await pool.run(pieces, plan);
    assert.equal(pieced.originalSize, input.length);
    assert.equal(pieced.width, whole.width);
    await assertSamePixels(whole.data, pieced.data, 'the same output from the pieces');
  } finally {
    await pool.close();
  }
});
