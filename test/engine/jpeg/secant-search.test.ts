/**
 * The two-probe search of lossy JPEG, on score curves shaped like mozjpeg's (no encoder needed:
 * the curves stand in for the metric).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectedSlope } from '../../../src/engine/codecs/jpeg/search.js';
import { secantSearch } from '../../../src/engine/codecs/jpeg/secant-search.js';
import { SquishError } from '../../../src/errors/index.js';

const far = () => Date.now() + 60_000;

/** Score rising 0.75 per quality in plateaus of two, like mozjpeg near the default target. */
const stepped = (q: number) => 25 + 0.75 * (q - (q % 2));

/** The lowest quality whose score reaches `target`, found by trying every one. */
function lowestReaching(
  curve: (q: number) => number,
  target: number,
  min = 20,
  max = 98,
): number | undefined {
  for (let q = min; q <= max; q++) if (curve(q) >= target) return q;
  return undefined;
}

/** secantSearch over `curve` (qualities 20 to 98), with the qualities it probed, in order. */
async function probedSearch(
  curve: (q: number) => number,
  options: { target: number; start: number; slope: number },
) {
  const tried: number[] = [];
  const result = await secantSearch({
    min: 20,
    max: 98,
    ...options,
    deadline: far(),
    evaluate: async (q) => {
      tried.push(q);
      return curve(q);
    },
  });
  return { tried, result };
}

test('two probes land within a quality of the exhaustive answer on a linear stretch', async () => {
  for (const start of [60, 72, 80, 90]) {
    const { tried, result } = await probedSearch(stepped, { target: 84.5, start, slope: 0.75 });
    const exact = lowestReaching(stepped, 84.5)!;
    assert.ok(tried.length <= 3, `start ${start}: ${tried.join(', ')}`);
    assert.ok(Math.abs(result.quality - exact) <= 1, `start ${start}: q${result.quality} vs q${exact}`);
    assert.ok(result.score >= 84.5 - 1e-9, `the reported score reaches the target: ${result.score}`);
    assert.equal(result.reached, true);
  }
});

test('a crossing far outside the probes costs a third probe instead of a long extrapolation', async () => {
  // Flat at first (the second probe barely moves), then steep: a line through the first two
  // probes would overshoot far above the answer.
  const bent = (q: number) => (q < 70 ? 60 + 0.1 * q : 67 + 1.5 * (q - 70));
  const { tried, result } = await probedSearch(bent, { target: 80, start: 60, slope: 0.75 });
  assert.equal(tried.length, 3);
  assert.equal(result.quality, lowestReaching(bent, 80));
});

test('an unreachable target reports the maximum as not reached', async () => {
  const result = await secantSearch({
    min: 20,
    max: 98,
    target: 99,
    start: 90,
    slope: 0.75,
    deadline: far(),
    evaluate: async (q) => 50 + q / 4,
  });
  assert.equal(result.quality, 98);
  assert.equal(result.reached, false);
});

test('an easy target goes down to the minimum', async () => {
  const result = await secantSearch({
    min: 20,
    max: 98,
    target: 30,
    start: 70,
    slope: 0.75,
    deadline: far(),
    evaluate: async (q) => 50 + q / 4,
  });
  assert.equal(result.quality, 20);
  assert.equal(result.reached, true);
});

test('stops with PROCESSING_TIMEOUT past the deadline', async () => {
  await assert.rejects(
    secantSearch({
      min: 20,
      max: 98,
      target: 80,
      start: 75,
      slope: 0.75,
      deadline: Date.now() - 1,
      evaluate: async (q) => q,
    }),
    (error: unknown) => error instanceof SquishError && error.code === 'PROCESSING_TIMEOUT',
  );
});

test('near the visually lossless target the steeper expected slope brackets it with two probes', async () => {
  // mozjpeg's tile scores gain about 1.45 per quality step near 94 (search.ts expectedSlope).
  const steep = (q: number) => Math.min(100, 100 - 1.45 * (98 - q));
  const probesWith = (slope: number) => probedSearch(steep, { target: 93.5, start: 88, slope });
  const { tried, result } = await probesWith(expectedSlope(93.5, '4:2:0'));
  assert.equal(tried.length, 2, tried.join(', '));
  assert.ok(Math.abs(result.quality - lowestReaching(steep, 93.5)!) <= 1, `q${result.quality}`);
  // The default lossy search's slope overshoots there and needs a third probe.
  assert.equal((await probesWith(0.75)).tried.length, 3);
  assert.equal(expectedSlope(84.5, '4:2:0'), 0.75);
  assert.equal(expectedSlope(93.5, '4:4:4'), 0.75);
});
