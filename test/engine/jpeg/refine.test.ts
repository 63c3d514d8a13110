/**
 * The interpolation that turns the search's last bracket into a quality without another probe.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refineBetweenProbes } from '../../../src/engine/codecs/jpeg/search.js';

test('a wide bracket is narrowed where the line through both scores crosses the target', () => {
  const measured = new Map([
    [79, 80],
    [91, 92],
  ]);
  const refined = refineBetweenProbes({ quality: 91, score: 92, reached: true }, measured, 83);
  assert.equal(refined.quality, 82);
  assert.equal(refined.score, 83);
  assert.equal(refined.reached, true);
});

test('no bracket, an adjacent bracket or a missed target leave the result alone', () => {
  const found = { quality: 80, score: 84, reached: true };
  assert.deepEqual(refineBetweenProbes(found, new Map([[80, 84]]), 83), found);
  assert.deepEqual(
    refineBetweenProbes(
      found,
      new Map([
        [79, 82],
        [80, 84],
      ]),
      83,
    ),
    found,
  );
  const missed = { quality: 98, score: 70, reached: false };
  assert.deepEqual(refineBetweenProbes(missed, new Map([[98, 70]]), 83), missed);
});
