/**
 * Every hostile input is refused with a stable code or turned into a safe result, quickly, and
 * the engine keeps serving afterwards. Runs through EnginePool, as the CLI and the server do.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { EnginePool } from '../../src/engine/index.js';
import { SquishError } from '../../src/errors/index.js';
import { parsePlan } from '../../src/plan/index.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/hostile/${name}`, import.meta.url));
const pool = new EnginePool({ size: 1 });
after(() => pool.close());

async function refusal(input: Uint8Array, lossy = false): Promise<string> {
  try {
    const result = await pool.run(input, parsePlan({ lossy }));
    return `result:${result.format}`;
  } catch (error) {
    assert.ok(error instanceof SquishError, `expected a SquishError, got ${String(error)}`);
    assert.ok(error.message.length > 10, 'a clear message');
    return error.code;
  }
}

const CASES: [string, string][] = [
  ['constructed-bomb-40000x40000.png', 'TOO_MANY_PIXELS'],
  ['pil-decompression_bomb.gif', 'CORRUPT_IMAGE'],
  ['pil-truncated_image.png', 'CORRUPT_IMAGE'],
  ['pil-truncated_jpeg.jpg', 'CORRUPT_IMAGE'],
  ['pngsuite-xcsn0g01-bad-idat-crc.png', 'CORRUPT_IMAGE'],
  ['pngsuite-xs1n0g01-bad-sig.png', 'UNSUPPORTED_FORMAT'],
];

for (const [name, code] of CASES) {
  test(`${name} is refused with ${code}, lossless and lossy`, async () => {
    assert.equal(await refusal(fixture(name)), code);
    assert.equal(await refusal(fixture(name), true), code);
  });
}

test('a JPEG damaged in the middle is refused, not passed on damaged', async () => {
  const jpeg = await sharp({ create: { width: 256, height: 256, channels: 3, background: '#358' } })
    .jpeg({ quality: 90 })
    .toBuffer();
  const damaged = Buffer.from(jpeg);
  damaged.fill(0xff, Math.floor(damaged.length / 2), Math.floor(damaged.length / 2) + 64);
  assert.equal(await refusal(damaged), 'CORRUPT_IMAGE');
});

test('an SVG with script comes back without it', async () => {
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)"><script>alert(2)</script><rect width="10" height="10" fill="red"/></svg>',
  );
  const result = await pool.run(svg, parsePlan());
  const text = Buffer.from(result.data).toString('utf8');
  assert.doesNotMatch(text, /script|onload|alert/i);
  assert.match(text, /<rect|<path/);
});

test('inputs over the byte limit are refused before anything else', async () => {
  const small = new EnginePool({ size: 1, limits: { maxInputBytes: 1000 } });
  try {
    await assert.rejects(small.run(new Uint8Array(1001), parsePlan()), { code: 'INPUT_TOO_LARGE' });
  } finally {
    await small.close();
  }
});

test('the engine still serves after all of the above', async () => {
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#abc' } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  const result = await pool.run(png, parsePlan());
  assert.equal(result.format, 'png');
  assert.ok(result.optimizedSize < png.length);
});
