/**
 * A machine without jpegtran: lossless mode still strips metadata by rewriting segments (same
 * entropy-coded data, so the same pixels) and says which tool is missing.
 * Runs in its own process (node --test isolates files), with a PATH that has no jpegtran on it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { jpegOptimizer } from '../../../src/engine/codecs/jpeg/index.js';
import { assertSamePixels } from '../../helpers/pixels.js';
import { fixture, jpegContext, taggedPhoto } from './jpeg-test-kit.js';

test('without jpegtran, lossless strips metadata only, keeps ICC and orientation, and notes it', async () => {
  process.env.PATH = mkdtempSync(join(tmpdir(), 'no-jpegtran-'));
  for (const input of [
    await taggedPhoto(),
    fixture('pil-sample_cmyk.jpg'),
    fixture('pil-sugarshack_mpo.jpg'),
  ]) {
    const candidate = await jpegOptimizer.lossless(input, await jpegContext(input));
    assert.equal(candidate.lossless, true);
    assert.ok(candidate.data.length < input.length);
    await assertSamePixels(input, candidate.data);
    const [before, after] = await Promise.all([sharp(input).metadata(), sharp(candidate.data).metadata()]);
    assert.equal(after.orientation ?? 1, before.orientation ?? 1);
    assert.deepEqual(after.icc, before.icc);
    assert.ok(
      candidate.notes?.some((note) => note.includes('jpegtran is not installed')),
      candidate.notes?.join(),
    );
  }
});
