import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type OptimizePlan, parsePlan } from '../../src/plan/index.js';

test('defaults: lossless, keeping ICC and orientation', () => {
  assert.deepEqual(parsePlan(), { lossy: false, keep: { icc: true, orientation: true } });
});

test('keeps valid fields', () => {
  const plan = parsePlan({
    lossy: true,
    quality: 72,
    target: 85,
    chromaSubsampling: '4:4:4',
    keep: { icc: false } as OptimizePlan['keep'],
  });
  assert.deepEqual(plan, {
    lossy: true,
    quality: 72,
    target: 85,
    chromaSubsampling: '4:4:4',
    keep: { icc: false, orientation: true },
  });
});

test('refuses invalid fields with a message naming them', () => {
  const cases: [Partial<OptimizePlan>, RegExp][] = [
    [{ quality: 0 }, /`quality` but received 0/],
    [{ quality: 50.5 }, /`quality` but received 50.5/],
    [{ target: 101 }, /`target` but received 101/],
    [
      { chromaSubsampling: '4:1:1' as never },
      /one of 4:2:0, 4:2:2, 4:4:4 for `chromaSubsampling` but received "4:1:1"/,
    ],
    [{ lossy: 'yes' as never }, /a boolean for `lossy` but received "yes"/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => parsePlan(input), { code: 'INVALID_OPTION', message });
  }
});
