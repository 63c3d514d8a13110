import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type PlanInput, parseColour, parsePlan, parseResize } from '../../src/plan/index.js';

test('colours: names, #rgb, #rrggbb, rgb() and rgba() with spaces', () => {
  assert.deepEqual(parseColour('white', 'background'), { r: 255, g: 255, b: 255, alpha: 1 });
  assert.deepEqual(parseColour('#f60', 'background'), { r: 255, g: 102, b: 0, alpha: 1 });
  assert.deepEqual(parseColour('#ff6600', 'background'), { r: 255, g: 102, b: 0, alpha: 1 });
  assert.deepEqual(parseColour('rgb(1,2,3)', 'background'), { r: 1, g: 2, b: 3, alpha: 1 });
  assert.deepEqual(parseColour('rgba(100, 100, 100, 0.5)', 'background'), {
    r: 100,
    g: 100,
    b: 100,
    alpha: 0.5,
  });
  assert.throws(() => parseColour('#ggg', 'background'), {
    code: 'INVALID_OPTION',
    message: /for `background` but received "#ggg"/,
  });
  assert.throws(() => parseColour(7, 'resize.background'), { message: /`resize.background` but received 7/ });
});

test('each strategy demands what it needs', () => {
  assert.deepEqual(parseResize({ strategy: 'exact', width: 10, height: 20 }), {
    strategy: 'exact',
    width: 10,
    height: 20,
  });
  assert.deepEqual(parseResize({ strategy: 'landscape', width: 300 }), { strategy: 'landscape', width: 300 });
  assert.deepEqual(parseResize({ strategy: 'portrait', height: 300 }), { strategy: 'portrait', height: 300 });
  assert.deepEqual(parseResize({ strategy: 'square', size: 64 }), { strategy: 'square', size: 64 });
  assert.deepEqual(
    parseResize({ strategy: 'crop', rect: { x: 0, y: 5, width: 10, height: 10 }, scale: 50 }),
    {
      strategy: 'crop',
      rect: { x: 0, y: 5, width: 10, height: 10 },
      scale: 50,
    },
  );
  assert.deepEqual(parseResize({ strategy: 'none' }), { strategy: 'none' });
  const refusals: [unknown, RegExp][] = [
    [{ strategy: 'stretch' }, /one of exact, portrait.* for `resize.strategy` but received "stretch"/],
    [{ strategy: 'exact', width: 10 }, /both width and height for strategy exact for `resize`/],
    [{ strategy: 'portrait' }, /a width or a height for strategy portrait/],
    [{ strategy: 'square', width: 5 }, /a size for strategy square/],
    [{ strategy: 'crop' }, /width and height, or a rect for strategy crop/],
    [{ strategy: 'fit', width: 0, height: 5 }, /integer from 1 to 65535 for `resize.width` but received 0/],
    [{ strategy: 'fit', width: 5, height: 5, gravity: 'up' }, /`resize.gravity` but received "up"/],
    [{ strategy: 'crop', width: 5, height: 5, scale: 150 }, /percentage from 1 to 100 for `resize.scale`/],
    [{ strategy: 'crop', rect: { x: -1, y: 0, width: 1, height: 1 } }, /`resize.rect.x` but received -1/],
    [
      { strategy: 'fill', width: 5, height: 5, background: 'nope' },
      /`resize.background` but received "nope"/,
    ],
    ['fit', /an object with a strategy for `resize` but received "fit"/],
  ];
  for (const [input, message] of refusals)
    assert.throws(() => parseResize(input), { code: 'INVALID_OPTION', message });
});

test('conversion, background, orientation and metadata groups', () => {
  const plan = parsePlan({
    format: 'webp',
    background: '#000',
    autoOrient: true,
    keep: { copyright: true, geotag: true },
  });
  assert.equal(plan.format, 'webp');
  assert.deepEqual(plan.background, { r: 0, g: 0, b: 0, alpha: 1 });
  assert.equal(plan.autoOrient, true);
  assert.deepEqual(plan.keep, { icc: true, orientation: true, copyright: true, geotag: true });
  assert.deepEqual(parsePlan({ format: ['avif', 'webp', 'avif'] }).format, ['avif', 'webp']);
  assert.throws(() => parsePlan({ format: 'bmp' as never }), { message: /`format` but received "bmp"/ });
  assert.throws(() => parsePlan({ format: [] }), { message: /`format` but received \[\]/ });
  assert.throws(() => parsePlan({ keep: { date: 'yes' as never } }), {
    message: /`keep.date` but received "yes"/,
  });
});

test('image sets: up to 10 outputs with unique ids and their own overrides', () => {
  const plan = parsePlan({
    lossy: true,
    outputs: [
      { id: 'small', resize: { strategy: 'fit', width: 100, height: 100 }, quality: 60 },
      { id: 7 as never, resize: { strategy: 'none' }, lossy: false, chromaSubsampling: '4:4:4' },
    ],
  } as PlanInput);
  assert.deepEqual(plan.outputs, [
    { id: 'small', resize: { strategy: 'fit', width: 100, height: 100 }, quality: 60 },
    { id: '7', resize: { strategy: 'none' }, chromaSubsampling: '4:4:4', lossy: false },
  ]);
  const eleven = Array.from({ length: 11 }, (_, i) => ({ id: `o${i}` }));
  assert.throws(() => parsePlan({ outputs: eleven }), {
    message: /an array of 1 to 10 outputs for `outputs`/,
  });
  assert.throws(() => parsePlan({ outputs: [{ id: 'a' }, { id: 'a' }] }), {
    message: /an id used once in the set for `outputs\[1\].id` but received "a"/,
  });
  assert.throws(() => parsePlan({ outputs: [{ id: 'a', quality: 0 }] }), {
    message: /`outputs\[0\].quality`/,
  });
  assert.throws(() => parsePlan({ outputs: [{ id: 'a', resize: { strategy: 'fit' } }] as never }), {
    message: /`outputs\[0\].resize`/,
  });
});

test('a parsed plan parses again unchanged (stored plans are validated again by the worker)', () => {
  const plan = parsePlan({
    background: '#ff6600',
    resize: { strategy: 'fill', width: 10, height: 10, background: 'rgba(1,2,3,0.5)' },
    outputs: [{ id: 'a', resize: { strategy: 'fill', width: 5, height: 5, background: 'black' } }],
  } as unknown as PlanInput);
  assert.deepEqual(parsePlan(structuredClone(plan) as PlanInput), plan);
});
