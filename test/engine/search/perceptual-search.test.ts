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

/** A score that creeps up 0.25 a step, as AVIF's did on a smooth photo (mate-Aqua: q62 78.9, q66 79.9). */
const creeping = async (quality: number) => 63.4 + 0.25 * quality;
const creepingSearch = { min: 5, max: 100, target: 80, start: 62, slope: 0.9, evaluate: creeping };

test('climbs with the slope measured between misses when it is shallower than assumed', async () => {
  // With the assumed 0.9 a step the search tried 62, 64 and 66, all short, then fell back to 100.
  const result = await searchQuality({ ...creepingSearch, deadline: far(), maxEvaluations: 3 });
  assert.deepEqual([result.quality, result.reached, result.evaluations], [67, true, 3]);
});

test('rescue: one extrapolated try above the misses before the maximum', async () => {
  const options = { ...creepingSearch, deadline: far(), maxEvaluations: 2 };
  const plain = await searchQuality(options);
  assert.equal(plain.quality, 100, 'without the rescue, misses fall back to the maximum');
  const rescued = await searchQuality({ ...options, rescue: true });
  // Misses at 62 and 64 (0.25 a step): 80 is 2.4 steps above 64, plus 2 to spare.
  assert.deepEqual([rescued.quality, rescued.reached, rescued.evaluations], [69, true, 3]);
});

test('rescue that misses too ends at the maximum, reached or not', async () => {
  const cliff = async (quality: number) => (quality >= 95 ? 85 : 70);
  const result = await searchQuality({
    min: 5,
    max: 100,
    target: 80,
    start: 60,
    slope: 0.9,
    deadline: far(),
    maxEvaluations: 2,
    rescue: true,
    evaluate: cliff,
  });
  assert.deepEqual([result.quality, result.reached, result.evaluations], [100, true, 4]);
});
