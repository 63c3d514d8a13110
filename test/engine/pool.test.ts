/**
 * The pool's isolation: a job that runs too long or grows too large is killed alone, and the
 * pool goes on serving.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import sharp from 'sharp';
import { EnginePool } from '../../src/engine/index.js';
import { engineProcessEnv } from '../../src/engine/pool/engine-pool.js';
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

test('a process is kept from job to job, and replaced after jobsPerProcess jobs', async () => {
  const pool = new EnginePool({ size: 1, jobsPerProcess: 3 });
  try {
    const input = await tiny();
    const pids: (number | undefined)[] = [];
    for (let i = 0; i < 4; i++) pids.push((await pool.run(input, parsePlan())).pid);
    assert.ok(pids[0] !== undefined);
    assert.deepEqual(pids.slice(0, 3), [pids[0], pids[0], pids[0]], 'the first three jobs share a process');
    assert.notEqual(pids[3], pids[0], 'the fourth runs in a new one');
  } finally {
    await pool.close();
  }
});

test('a process holding more memory than recycleRssBytes after its job is replaced', async () => {
  // Every engine process holds more than a byte: each job gets a fresh one, and all succeed.
  const pool = new EnginePool({ size: 1, recycleRssBytes: 1 });
  try {
    const input = await tiny();
    const pids = new Set<number | undefined>();
    for (let i = 0; i < 3; i++) pids.add((await pool.run(input, parsePlan())).pid);
    assert.equal(pids.size, 3);
  } finally {
    await pool.close();
  }
});

test('engine processes run with two malloc arenas unless the environment sets them', async () => {
  const arenas = async (pool: EnginePool) => {
    const { pid } = await pool.run(await tiny(), parsePlan());
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return environ.find((entry) => entry.startsWith('MALLOC_ARENA_MAX='));
  };
  const pool = new EnginePool({ size: 1 });
  const before = process.env.MALLOC_ARENA_MAX;
  try {
    delete process.env.MALLOC_ARENA_MAX;
    assert.equal(await arenas(pool), 'MALLOC_ARENA_MAX=2');
    process.env.MALLOC_ARENA_MAX = '4';
    const own = new EnginePool({ size: 1 });
    try {
      assert.equal(await arenas(own), 'MALLOC_ARENA_MAX=4');
    } finally {
      await own.close();
    }
  } finally {
    if (before === undefined) delete process.env.MALLOC_ARENA_MAX;
    else process.env.MALLOC_ARENA_MAX = before;
    await pool.close();
  }
});

test('engine processes get a raised malloc mmap threshold unless the environment sets GLIBC_TUNABLES', () => {
  // Checked on the environment handed to fork: glibc parses GLIBC_TUNABLES in place, so a
  // process's /proc/<pid>/environ shows only its first tunable.
  assert.deepEqual(engineProcessEnv({ PATH: '/bin' }), {
    MALLOC_ARENA_MAX: '2',
    GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=16777216:glibc.malloc.trim_threshold=67108864',
    PATH: '/bin',
  });
  const own = { MALLOC_ARENA_MAX: '4', GLIBC_TUNABLES: 'glibc.malloc.tcache_count=0' };
  assert.deepEqual(engineProcessEnv(own), own);
});

test('processes start with the first job that needs them, or at once with prestart', async () => {
  const lazy = new EnginePool({ size: 2 });
  const eager = new EnginePool({ size: 2, prestart: true });
  try {
    assert.deepEqual(lazy.processIds, []);
    assert.equal(eager.processIds.length, 2);
    for (const pid of eager.processIds) process.kill(pid, 0); // throws when there is no such process
    const started = [...eager.processIds];
    const { pid } = await eager.run(await tiny(), parsePlan());
    assert.ok(started.includes(pid!), 'the job ran on a process started ahead of it');
    assert.deepEqual(eager.processIds, started);
  } finally {
    await lazy.close();
    await eager.close();
  }
});

test('ping starts the processes and resolves once they run, and rejects when they cannot start', async () => {
  const pool = new EnginePool({ size: 2 });
  // A Node flag that makes every engine process exit as it starts.
  const broken = new EnginePool({ size: 1, execArgv: ['--require', '/nonexistent/squish-preload.cjs'] });
  try {
    assert.deepEqual(pool.processIds, []);
    await pool.ping();
    assert.equal(pool.processIds.length, 2);
    await assert.rejects(broken.ping(), /engine process exited/);
  } finally {
    await pool.close();
    await broken.close();
  }
  await assert.rejects(pool.ping(), { code: 'INTERNAL' });
});
