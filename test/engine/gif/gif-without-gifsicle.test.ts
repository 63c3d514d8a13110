/**
 * A machine without gifsicle: the codec hands the input back with a note instead of failing.
 * Runs in its own process (node --test isolates files), with a PATH that has no gifsicle on it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gifOptimizer } from '../../../src/engine/codecs/gif/index.js';
import { assertSamePixels } from '../../helpers/pixels.js';
import { fixture, gifContext } from './gif-test-kit.js';

test('without gifsicle, lossless and lossy return the input with a note', async () => {
  process.env.PATH = mkdtempSync(join(tmpdir(), 'no-gifsicle-'));
  const input = fixture('pil-palette_not_needed.gif');
  for (const candidate of [
    await gifOptimizer.lossless(input, gifContext()),
    await gifOptimizer.lossy(input, gifContext({ lossy: true })),
  ]) {
    assert.equal(candidate.lossless, true);
    await assertSamePixels(input, candidate.data);
    assert.ok(
      candidate.notes?.some((note) => note.includes('gifsicle is not installed')),
      candidate.notes?.join(),
    );
  }
});
