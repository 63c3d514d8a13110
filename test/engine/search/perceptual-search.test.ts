import assert from 'node:assert/strict';
import { test } from 'node:test';
import { searchQuality } from '../../../src/engine/search/perceptual-search.js';
import { SquishError } from '../../../src/errors/index.js';

const far = () => Date.now() + 60_000;

/** A score curve shaped like a real encoder's: steep at low quality, flat near the top. */
const curve = (q: number) => 100 - 1500 / (q + 10);

test('finds the lowest quality that reaches the target', async () => {
  const tried: number[] = [];
  const result = await searchQuality({
    min: 1,
    max: 100,
    target: 80,
    deadline: far(),
    maxEvaluations: 8,
    evaluate: async (q) => {
      tried.push(q);
      return curve(q);
    },
  });
  const lowest = Array.from({ length: 100 }, (_, i) => i + 1).find((q) => curve(q) >= 80);
  assert.equal(result.quality, lowest);
  assert.equal(result.reached, true);
  assert.ok(result.score >= 80);
  assert.ok(tried.length <= 8, `evaluated ${tried.length} times`);
});

test('the answer always reaches the target even when evaluations run out', async () => {
  for (const target of [50, 70, 85, 95]) {
    const result = await searchQuality({
      min: 20,
      max: 95,
      target,
      deadline: far(),
      maxEvaluations: 3,
      evaluate: async (q) => curve(q),
    });
    assert.ok(result.evaluations <= 4);
    if (result.reached) assert.ok(curve(result.quality) >= target, `target ${target}: q${result.quality}`);
  }
});

test('reports an unreachable target with the maximum quality', async () => {
  const result = await searchQuality({
    min: 10,
    max: 90,
    target: 99,
    deadline: far(),
    evaluate: async (q) => curve(q),
  });
  assert.equal(result.reached, false);
  assert.equal(result.quality, 90);
  assert.equal(result.score, curve(90));
});

test('stops with PROCESSING_TIMEOUT past the deadline', async () => {
  await assert.rejects(
    searchQuality({ min: 1, max: 100, target: 80, deadline: Date.now() - 1, evaluate: async (q) => q }),
    (error: unknown) => error instanceof SquishError && error.code === 'PROCESSING_TIMEOUT',
  );
});

test('minDownStep stops above a pass when the next step down would be smaller', async () => {
  // Score rises 0.5 a step; quality 72 scores 76, one point over the target: the next guess is 2 down.
  const evaluate = async (quality: number) => 40 + quality / 2;
  const options = { min: 20, max: 100, target: 75, start: 72, slope: 0.5, deadline: Date.now() + 10_000 };
  const stopped = await searchQuality({ ...options, minDownStep: 3, evaluate });
  assert.deepEqual([stopped.quality, stopped.evaluations, stopped.reached], [72, 1, true]);
  const full = await searchQuality({ ...options, evaluate });
  assert.equal(full.quality, 70);
  assert.ok(full.evaluations > 1);
});
