import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import type { RgbaFrames } from '../../../src/engine/codecs/sharp-common/frames.js';
import { findLossyEncoding, lossyNotes } from '../../../src/engine/codecs/sharp-common/lossy-search.js';
import { parsePlan } from '../../../src/plan/index.js';

/**
 * The search's bookkeeping with a synthetic encoder: the "file" is the quality itself, its
 * score is the quality (so the target 80 is reached at 80), and every encode takes 1 s of a
 * mocked clock.
 */
function syntheticSearch(deadlineMs: number, plan = parsePlan({ lossy: true })) {
  const frame: RgbaFrames = { data: new Uint8Array(4), width: 1, frameHeight: 1, frames: 1 };
  return findLossyEncoding({
    encode: async (quality) => {
      mock.timers.tick(1000);
      return new Uint8Array([quality]);
    },
    decode: async (encoded) => ({ ...frame, data: encoded }),
    reference: { tiled: false, score: async (c) => c.data[0]!, optimism: async () => 0 },
    plan,
    deadline: Date.now() + deadlineMs,
    min: 1,
    max: 100,
    start: () => 60,
    slope: 1,
    maxEvaluations: 6,
  });
}

describe('findLossyEncoding', () => {
  it('finds the lowest quality reaching the target when time allows', async () => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    try {
      const result = await syntheticSearch(60_000);
      assert.equal(result.quality, 80);
      assert.equal(result.reached, true);
      assert.equal(result.stoppedEarly, undefined);
    } finally {
      mock.timers.reset();
    }
  });

  it('stops before an encode that would overrun the deadline and returns the best so far', async () => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    try {
      // 2.5 s: two 1 s encodes fit (60, then 80); a third would end after the deadline.
      const result = await syntheticSearch(2500);
      assert.equal(result.stoppedEarly, true);
      assert.equal(result.evaluations, 2);
      assert.equal(result.quality, 80);
      assert.equal(result.reached, true);
      assert.match(lossyNotes(result).join(), /stopped early/);
    } finally {
      mock.timers.reset();
    }
  });

  it('encodes once at a fixed quality', async () => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    try {
      const result = await syntheticSearch(60_000, parsePlan({ lossy: true, quality: 42 }));
      assert.deepEqual([result.quality, result.score, result.evaluations], [42, 42, 1]);
    } finally {
      mock.timers.reset();
    }
  });
});
