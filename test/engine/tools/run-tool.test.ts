/**
 * runTool through the tool runner process: the same bytes, exit codes, stderr and limits as a
 * direct spawn, with real tools, and several calls in flight at once.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import sharp from 'sharp';
import { findTool, type RunToolOptions, runTool } from '../../../src/engine/tools/run-tool.js';
import { configureToolRunner, toolRunnerReady } from '../../../src/engine/tools/runner-client.js';
import { spawnTool } from '../../../src/engine/tools/spawn-tool.js';
import { assertSamePixels } from '../../helpers/pixels.js';
import { toolsRunBy } from './processes.js';

/** Generous: a hang (a runner that never answers or never lets go) fails the test instead of blocking the run. */
const TEST_TIMEOUT_MS = 60_000;
const GIF = new Uint8Array(
  readFileSync(new URL('../../fixtures/tools/sk-no_time_for_that_tiny.gif', import.meta.url)),
);

/** A small photo-like gradient with some texture, so the tools have something to do. */
function texturedRaw(width: number, height: number, seed: number): Buffer {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = (x * 4 + seed * 37) & 0xff;
      raw[i + 1] = (y * 5 + ((x * y) % 17)) & 0xff;
      raw[i + 2] = ((x ^ y) * 3 + seed) & 0xff;
    }
  }
  return raw;
}

const jpeg = (seed = 1) =>
  sharp(texturedRaw(96, 64, seed), { raw: { width: 96, height: 64, channels: 3 } })
    .jpeg({ quality: 85, mozjpeg: false })
    .toBuffer();
const png = (seed = 1) =>
  sharp(texturedRaw(64, 48, seed), { raw: { width: 64, height: 48, channels: 3 } })
    .png()
    .toBuffer();
const gif = (seed: number) =>
  sharp(texturedRaw(40, 30, seed), { raw: { width: 40, height: 30, channels: 3 } })
    .gif({ effort: 1 })
    .toBuffer();

let runnerPid: number;

before(
  async () => {
    // However small this test process is, its calls go through the runner.
    configureToolRunner({ directBelowRssBytes: 0 });
    const pid = await toolRunnerReady();
    assert.ok(pid, 'the tool runner started');
    runnerPid = pid;
  },
  { timeout: TEST_TIMEOUT_MS },
);

/** runTool's result next to a direct spawn of the same tool (the code runTool used before the runner). */
async function viaRunnerAndDirect(name: string, args: string[], options: RunToolOptions) {
  const path = findTool(name);
  assert.ok(path, `${name} is installed`);
  const viaRunner = await runTool(name, args, options);
  const direct = await spawnTool({ path, args, maxOutputBytes: 256 * 1024 * 1024, ...options });
  assert.equal(direct.kind, 'exited');
  if (direct.kind !== 'exited') throw new Error('unreachable');
  assert.equal(viaRunner.exitCode, direct.exitCode, `${name}: exit code`);
  assert.equal(viaRunner.stderr, direct.stderr, `${name}: stderr`);
  assert.ok(Buffer.isBuffer(viaRunner.stdout), `${name}: stdout is a Buffer`);
  assert.ok(viaRunner.stdout.equals(direct.stdout), `${name}: the same output bytes`);
  return { viaRunner, direct };
}

/** The pid of the process that spawned the tool. */
async function parentOfTool(): Promise<number> {
  const result = await runTool('sh', ['-c', 'echo $PPID'], { timeoutMs: 10_000 });
  return Number(result.stdout.toString('utf8'));
}

test('tools are spawned by the runner process, not by this one', { timeout: TEST_TIMEOUT_MS }, async () => {
  assert.equal(await parentOfTool(), runnerPid);
});

test('gifsicle through the runner: the same output as a direct spawn, pixel-identical to the input', {
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  const { viaRunner } = await viaRunnerAndDirect('gifsicle', ['--no-warnings', '-O3'], {
    input: GIF,
    timeoutMs: 10_000,
  });
  assert.equal(viaRunner.exitCode, 0);
  assert.ok(viaRunner.stdout.length < GIF.length, 'gifsicle -O3 saved something');
  await assertSamePixels(GIF, viaRunner.stdout, 'gifsicle -O3');
});

test('jpegtran through the runner: the same output as a direct spawn, pixel-identical to the input', {
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  const input = await jpeg();
  const { viaRunner } = await viaRunnerAndDirect('jpegtran', ['-copy', 'none', '-optimize'], {
    input,
    timeoutMs: 10_000,
  });
  assert.equal(viaRunner.exitCode, 0);
  await assertSamePixels(input, viaRunner.stdout, 'jpegtran -optimize');
});

test('pngquant through the runner: the same output as a direct spawn', {
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  const { viaRunner, direct } = await viaRunnerAndDirect('pngquant', ['--speed', '3', '--strip', '-'], {
    input: await png(),
    timeoutMs: 10_000,
  });
  assert.equal(viaRunner.exitCode, 0);
  assert.equal((await sharp(viaRunner.stdout).metadata()).isPalette, true, 'a palette PNG');
  await assertSamePixels(direct.stdout, viaRunner.stdout, 'pngquant');
});

test('a failing tool: its exit code and stderr come back as from a direct spawn', {
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  const { viaRunner } = await viaRunnerAndDirect('jpegtran', ['-copy', 'none'], {
    input: new TextEncoder().encode('not a jpeg at all'),
    timeoutMs: 10_000,
  });
  assert.notEqual(viaRunner.exitCode, 0);
  assert.match(viaRunner.stderr, /jpeg/i);
  assert.equal(viaRunner.stdout.length, 0);
});

test('a tool past its timeout is killed and the call fails with PROCESSING_TIMEOUT', {
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  // The message is the job's: callers give a tool what is left of the job's time.
  await assert.rejects(runTool('sleep', ['30'], { timeoutMs: 150 }), {
    code: 'PROCESSING_TIMEOUT',
    message: 'Processing the image took longer than the time limit (sleep was stopped after 150 ms).',
  });
  // The runner answers only once the tool has exited: nothing of it is left.
  assert.deepEqual(toolsRunBy(runnerPid, 'sleep'), []);
});

test('a tool writing past maxOutputBytes is killed and the call fails with CODEC_FAILED', {
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  await assert.rejects(runTool('yes', [], { timeoutMs: 20_000, maxOutputBytes: 64 * 1024 }), {
    code: 'CODEC_FAILED',
    message: /yes wrote more than 65536 bytes/,
  });
  assert.deepEqual(toolsRunBy(runnerPid, 'yes'), []);
});

test('arguments spawn() rejects fail that call with CODEC_FAILED, and the runner serves on', {
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  await assert.rejects(runTool('sh', ['-c', 'echo \0'], { timeoutMs: 10_000 }), {
    code: 'CODEC_FAILED',
    message: /sh failed to start/,
  });
  assert.equal(await parentOfTool(), runnerPid);
});

test('a tool that is not installed fails with CODEC_FAILED', { timeout: TEST_TIMEOUT_MS }, async () => {
  await assert.rejects(runTool('no-such-tool-squish', [], { timeoutMs: 1000 }), {
    code: 'CODEC_FAILED',
    message: /not installed/,
  });
});

test('many calls in flight at once each get their own output', { timeout: TEST_TIMEOUT_MS }, async () => {
  const inputs = await Promise.all([1, 2, 3, 4, 5, 6].map((seed) => gif(seed)));
  const calls = Array.from({ length: 18 }, (_, index) => {
    const input = inputs[index % inputs.length]!;
    return { input, result: runTool('gifsicle', ['--no-warnings', '-O3'], { input, timeoutMs: 20_000 }) };
  });
  // A slow call among them must not hold the others' answers back or mix them up.
  const slow = runTool('sh', ['-c', 'sleep 0.3; echo slow'], { timeoutMs: 20_000 });
  for (const [index, call] of calls.entries()) {
    const result = await call.result;
    assert.equal(result.exitCode, 0, `call ${index}`);
    await assertSamePixels(call.input, result.stdout, `call ${index}`);
  }
  assert.equal((await slow).stdout.toString('utf8'), 'slow\n');
  assert.equal(await toolRunnerReady(), runnerPid, 'all of it in the same runner');
});
