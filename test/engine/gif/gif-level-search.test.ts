import assert from 'node:assert/strict';
import { test } from 'node:test';
import { searchLevel } from '../../../src/engine/codecs/gif/level-search.js';
import { isSquishError } from '../../../src/errors/index.js';

/** A --lossy-like curve: the loss grows as the 0.4th power of the step down from lossless. */
const curve = (quality: number): number => 100 - 7 * (100 - quality) ** 0.4;

async function run(known: Map<number, number>, maxEvaluations = 4) {
  const asked: number[] = [];
  await searchLevel({
    target: 80,
    known,
    start: 80,
    exponent: 0.35,
    deadline: Date.now() + 60_000,
    maxEvaluations,
    evaluate: async (quality) => {
      asked.push(quality);
      return curve(quality);
    },
  });
  return asked;
}

test('from a probe far below the target it lands just above it in a few evaluations', async () => {
  const asked = await run(new Map([[0, curve(0)]]));
  assert.ok(asked.length <= 3, `asked ${asked.join(', ')}`);
  assert.ok(!asked.includes(0), 'the known probe is not measured again');
  const passing = asked.filter((quality) => curve(quality) >= 80);
  assert.ok(passing.length > 0, `asked ${asked.join(', ')}`);
  const best = Math.min(...passing);
  assert.ok(curve(best) - 80 < 1.5, `best ${best} scores ${curve(best)}`);
});

test('a known passing point close to the target ends the search at once', async () => {
  const asked = await run(new Map([[70, 80.5]]));
  assert.deepEqual(asked, []);
});

test('the number of evaluations is bounded', async () => {
  const asked = await run(new Map(), 1);
  assert.equal(asked.length, 1);
});

test('a passed deadline stops the search with PROCESSING_TIMEOUT', async () => {
  await assert.rejects(
    searchLevel({
      target: 80,
      known: new Map(),
      start: 80,
      exponent: 0.35,
      deadline: Date.now() - 1,
      maxEvaluations: 4,
      evaluate: async () => 90,
    }),
    (error) => isSquishError(error) && error.code === 'PROCESSING_TIMEOUT',
  );
});
