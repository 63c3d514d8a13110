/** The retry schedule: its shape at the defaults and at small test settings, and its jitter's bounds. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_WEBHOOK_SETTINGS,
  RETRY_JITTER,
  retryDelayMs,
  retryGrowthFactor,
  retrySchedule,
} from '../../src/webhooks/index.js';

describe('the webhook retry schedule', () => {
  it('at the defaults: first retry within 5 s, growing delays, the last attempt about 24 h after the first', () => {
    const schedule = retrySchedule(DEFAULT_WEBHOOK_SETTINGS);
    assert.equal(schedule.length, DEFAULT_WEBHOOK_SETTINGS.webhookAttempts - 1);
    assert.equal(schedule[0]?.attempt, 2);
    assert.equal(schedule[0]?.delaySeconds, 4);
    for (let index = 1; index < schedule.length; index++) {
      assert.ok(schedule[index]!.delaySeconds > schedule[index - 1]!.delaySeconds);
    }
    assert.ok(Math.abs(schedule.at(-1)!.atSeconds - 86_400) < 1, `ends at ${schedule.at(-1)!.atSeconds} s`);
    // Whatever the jitter, the first retry comes within 5 s.
    for (const random of [0, 0.5, 0.999999]) {
      const first = retryDelayMs(DEFAULT_WEBHOOK_SETTINGS, 1, () => random)!;
      assert.ok(first >= 3200 && first <= 5000, `first retry after ${first} ms`);
    }
  });

  it('jitters each delay by at most ±20 %, and has no retry after the last attempt', () => {
    const settings = { webhookAttempts: 5, webhookFirstRetrySeconds: 10, webhookRetrySpanSeconds: 150 };
    assert.ok(Math.abs(retryGrowthFactor(settings) - 2) < 1e-6, 'delays 10, 20, 40, 80 s');
    assert.equal(
      retryDelayMs(settings, 3, () => 0),
      Math.round(40_000 * (1 - RETRY_JITTER)),
    );
    assert.equal(
      retryDelayMs(settings, 3, () => 1),
      Math.round(40_000 * (1 + RETRY_JITTER)),
    );
    assert.equal(
      retryDelayMs(settings, 4, () => 0.5),
      80_000,
    );
    assert.equal(retryDelayMs(settings, 5), undefined);
    assert.equal(retryDelayMs({ ...settings, webhookAttempts: 1 }, 1), undefined);
  });

  it('spaces retries evenly when the span is too short for growth, as the test settings do', () => {
    const settings = { webhookAttempts: 4, webhookFirstRetrySeconds: 2, webhookRetrySpanSeconds: 3 };
    assert.equal(retryGrowthFactor(settings), 1);
    assert.deepEqual(
      retrySchedule(settings).map((row) => row.delaySeconds),
      [2, 2, 2],
    );
  });
});
