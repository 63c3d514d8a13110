/**
 * transformOptionsFor: flattening, frames and orientation decided per output format.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LIMITS } from '../../../src/engine/limits.js';
import { transformOptionsFor } from '../../../src/engine/pipeline/options.js';
import { parsePlan } from '../../../src/plan/optimize-plan.js';

const base = { inputFormat: 'jpeg' as const, limits: DEFAULT_LIMITS };

test('JPEG to JPEG keeps the orientation tag by default; autoOrient or dropping the group turns the pixels', () => {
  const keep = transformOptionsFor({ ...base, plan: parsePlan({}), outputFormat: 'jpeg' });
  assert.equal(keep.autoOrient, false);
  assert.equal(
    transformOptionsFor({ ...base, plan: parsePlan({ autoOrient: true }), outputFormat: 'jpeg' }).autoOrient,
    true,
  );
  const dropped = parsePlan({ keep: { orientation: false } });
  assert.equal(transformOptionsFor({ ...base, plan: dropped, outputFormat: 'jpeg' }).autoOrient, true);
});

test('a conversion, or a format without an honoured tag, turns the pixels upright', () => {
  for (const outputFormat of ['png', 'webp', 'gif', 'avif'] as const) {
    assert.equal(
      transformOptionsFor({ ...base, plan: parsePlan({}), outputFormat }).autoOrient,
      true,
      outputFormat,
    );
  }
  const gif = transformOptionsFor({ ...base, inputFormat: 'gif', plan: parsePlan({}), outputFormat: 'gif' });
  assert.equal(gif.autoOrient, true);
  const png = transformOptionsFor({ ...base, inputFormat: 'png', plan: parsePlan({}), outputFormat: 'png' });
  assert.equal(png.autoOrient, false);
});

test('flatten onto the background (white by default) only for formats without alpha', () => {
  const plan = parsePlan({});
  assert.deepEqual(transformOptionsFor({ ...base, plan, outputFormat: 'jpeg' }).flattenOnto, {
    r: 255,
    g: 255,
    b: 255,
    alpha: 1,
  });
  assert.equal(transformOptionsFor({ ...base, plan, outputFormat: 'png' }).flattenOnto, undefined);
  const red = parsePlan({ background: '#f00' });
  const jpeg = transformOptionsFor({ ...base, plan: red, outputFormat: 'jpeg' });
  assert.deepEqual(jpeg.flattenOnto, { r: 255, g: 0, b: 0, alpha: 1 });
  assert.deepEqual(jpeg.background, { r: 255, g: 0, b: 0, alpha: 1 }, 'also the fill padding default');
});

test('only GIF and WebP keep every frame', () => {
  const plan = parsePlan({});
  const firstOnly = (outputFormat: 'jpeg' | 'png' | 'gif' | 'webp' | 'avif') =>
    transformOptionsFor({ ...base, inputFormat: 'gif', plan, outputFormat }).firstFrameOnly;
  assert.deepEqual((['jpeg', 'png', 'gif', 'webp', 'avif'] as const).map(firstOnly), [
    true,
    true,
    false,
    false,
    true,
  ]);
});

test('an image-set entry overrides resize and is named in errors; limits pass through', () => {
  const plan = parsePlan({
    resize: { strategy: 'auto', width: 100, height: 100 },
    outputs: [{ id: 'a' }, { id: 'b', resize: { strategy: 'square', size: 50 } }],
  });
  const a = transformOptionsFor({
    ...base,
    plan,
    output: plan.outputs![0],
    outputIndex: 0,
    outputFormat: 'jpeg',
  });
  assert.equal(a.resize?.strategy, 'auto');
  assert.equal(a.optionName, 'resize');
  const b = transformOptionsFor({
    ...base,
    plan,
    output: plan.outputs![1],
    outputIndex: 1,
    outputFormat: 'jpeg',
  });
  assert.equal(b.resize?.strategy, 'square');
  assert.equal(b.optionName, 'outputs[1].resize');
  assert.equal(b.maxOutputDimension, DEFAULT_LIMITS.maxOutputDimension);
  assert.equal(b.maxOutputPixels, DEFAULT_LIMITS.maxPixels);
});
