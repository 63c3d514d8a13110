/**
 * planGeometry: the arithmetic of every resize strategy, on plain numbers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { anchoredRegion, type GeometryOp, planGeometry } from '../../../src/engine/pipeline/geometry.js';
import { isSquishError } from '../../../src/errors/index.js';
import { WHITE } from '../../../src/plan/colour.js';
import { parseResize } from '../../../src/plan/resize.js';

const plan = (w: number, h: number, step: Record<string, unknown>, max?: number) =>
  planGeometry(w, h, parseResize(step), max === undefined ? {} : { maxOutputDimension: max });
const size = (g: { width: number; height: number }) => `${g.width}x${g.height}`;
const resize = (width: number, height: number, kernel = 'lanczos3'): GeometryOp =>
  ({ op: 'resize', width, height, kernel }) as GeometryOp;
const extract = (left: number, top: number, width: number, height: number): GeometryOp => ({
  op: 'extract',
  region: { left, top, width, height },
});

describe('planGeometry', () => {
  test('no step and none: no operations', () => {
    assert.deepEqual(planGeometry(640, 480, undefined), {
      ops: [],
      width: 640,
      height: 480,
      enlarges: false,
    });
    assert.deepEqual(plan(640, 480, { strategy: 'none' }).ops, []);
  });

  test('exact stretches, both ways', () => {
    assert.deepEqual(plan(640, 480, { strategy: 'exact', width: 100, height: 300 }).ops, [resize(100, 300)]);
    const up = plan(64, 48, { strategy: 'exact', width: 640, height: 10 });
    assert.equal(size(up), '640x10');
    assert.equal(up.enlarges, true);
    assert.deepEqual(plan(64, 48, { strategy: 'exact', width: 64, height: 48 }).ops, []);
  });

  test('landscape fixes the width, portrait the height; the other side follows the aspect ratio', () => {
    assert.equal(size(plan(1200, 800, { strategy: 'landscape', width: 300 })), '300x200');
    assert.equal(size(plan(1200, 800, { strategy: 'landscape', width: 300, height: 50 })), '300x200');
    assert.equal(size(plan(1200, 800, { strategy: 'landscape', height: 100 })), '150x100');
    assert.equal(size(plan(1200, 800, { strategy: 'portrait', height: 100 })), '150x100');
    assert.equal(size(plan(1200, 800, { strategy: 'portrait', width: 50, height: 100 })), '150x100');
    assert.equal(size(plan(1200, 800, { strategy: 'portrait', width: 600 })), '600x400');
    // rounding: 1000x333 at width 100 -> 33.3 -> 33
    assert.equal(size(plan(1000, 333, { strategy: 'landscape', width: 100 })), '100x33');
    // never below one pixel
    assert.equal(size(plan(5000, 2, { strategy: 'landscape', width: 10 })), '10x1');
  });

  test('portrait, landscape and auto never enlarge', () => {
    for (const step of [
      { strategy: 'landscape', width: 2000 },
      { strategy: 'portrait', height: 2000 },
      { strategy: 'auto', width: 2000, height: 2000 },
      { strategy: 'auto', width: 1200, height: 800 },
    ]) {
      const g = plan(1200, 800, step);
      assert.deepEqual(g.ops, [], JSON.stringify(step));
      assert.equal(size(g), '1200x800');
      assert.equal(g.enlarges, false);
    }
  });

  test('auto fits inside the box, the limiting side exactly', () => {
    assert.equal(size(plan(1200, 800, { strategy: 'auto', width: 300, height: 300 })), '300x200');
    assert.equal(size(plan(800, 1200, { strategy: 'auto', width: 300, height: 300 })), '200x300');
    assert.equal(size(plan(1200, 800, { strategy: 'auto', width: 1000, height: 100 })), '150x100');
    // only one side too large still shrinks
    assert.equal(size(plan(1200, 800, { strategy: 'auto', width: 600, height: 5000 })), '600x400');
  });

  test('fit covers the box then cuts it at the gravity', () => {
    const g = plan(1200, 800, { strategy: 'fit', width: 300, height: 300 });
    assert.deepEqual(g.ops, [resize(450, 300), extract(75, 0, 300, 300)]);
    assert.equal(size(g), '300x300');
    const west = plan(1200, 800, { strategy: 'fit', width: 300, height: 300, gravity: 'west' });
    assert.deepEqual(west.ops[1], extract(0, 0, 300, 300));
    const se = plan(800, 1200, { strategy: 'fit', width: 300, height: 300, gravity: 'southeast' });
    assert.deepEqual(se.ops, [resize(300, 450), extract(0, 150, 300, 300)]);
    const north = plan(800, 1200, { strategy: 'fit', width: 300, height: 300, gravity: 'north' });
    assert.deepEqual(north.ops[1], extract(0, 0, 300, 300));
    // same aspect: a plain resize
    assert.deepEqual(plan(1200, 800, { strategy: 'fit', width: 600, height: 400 }).ops, [resize(600, 400)]);
    // may enlarge
    const up = plan(100, 50, { strategy: 'fit', width: 400, height: 400 });
    assert.deepEqual(up.ops, [resize(800, 400), extract(200, 0, 400, 400)]);
    assert.equal(up.enlarges, true);
  });

  test('fit with attention or entropy leaves the cut to the content', () => {
    const g = plan(1200, 800, { strategy: 'fit', width: 300, height: 300, gravity: 'attention' });
    assert.deepEqual(g.ops, [
      resize(450, 300),
      { op: 'smartCrop', strategy: 'attention', width: 300, height: 300 },
    ]);
    const e = plan(1200, 800, { strategy: 'fit', width: 300, height: 300, gravity: 'entropy' });
    assert.deepEqual(e.ops[1], { op: 'smartCrop', strategy: 'entropy', width: 300, height: 300 });
  });

  test('crop cuts at the gravity without scaling, clamped to the image', () => {
    assert.deepEqual(plan(1200, 800, { strategy: 'crop', width: 300, height: 200 }).ops, [
      extract(450, 300, 300, 200),
    ]);
    const corners: Record<string, [number, number]> = {
      northwest: [0, 0],
      north: [450, 0],
      northeast: [900, 0],
      west: [0, 300],
      center: [450, 300],
      east: [900, 300],
      southwest: [0, 600],
      south: [450, 600],
      southeast: [900, 600],
    };
    for (const [gravity, [left, top]] of Object.entries(corners)) {
      const g = plan(1200, 800, { strategy: 'crop', width: 300, height: 200, gravity });
      assert.deepEqual(g.ops, [extract(left, top, 300, 200)], gravity);
    }
    // larger than the image on one side: that side is kept whole
    assert.deepEqual(plan(1200, 800, { strategy: 'crop', width: 2000, height: 200 }).ops, [
      extract(0, 300, 1200, 200),
    ]);
    assert.deepEqual(plan(1200, 800, { strategy: 'crop', width: 2000, height: 2000 }).ops, []);
  });

  test('crop with a rect, clamped, then scaled by percent', () => {
    const rect = { x: 100, y: 50, width: 400, height: 300 };
    assert.deepEqual(plan(1200, 800, { strategy: 'crop', rect }).ops, [extract(100, 50, 400, 300)]);
    const scaled = plan(1200, 800, { strategy: 'crop', rect, scale: 50 });
    assert.deepEqual(scaled.ops, [extract(100, 50, 400, 300), resize(200, 150)]);
    const clamped = plan(1200, 800, { strategy: 'crop', rect: { x: 1000, y: 700, width: 400, height: 300 } });
    assert.deepEqual(clamped.ops, [extract(1000, 700, 200, 100)]);
    assert.deepEqual(plan(1200, 800, { strategy: 'crop', rect, scale: 100 }).ops, [
      extract(100, 50, 400, 300),
    ]);
    // gravity crop then scale
    assert.deepEqual(plan(1200, 800, { strategy: 'crop', width: 300, height: 200, scale: 10 }).ops, [
      extract(450, 300, 300, 200),
      resize(30, 20),
    ]);
  });

  test('crop rect outside the image names the option and the image size', () => {
    assert.throws(
      () => plan(1200, 800, { strategy: 'crop', rect: { x: 1200, y: 0, width: 10, height: 10 } }),
      (error: unknown) =>
        isSquishError(error) &&
        error.code === 'INVALID_OPTION' &&
        error.message.includes('`resize.rect`') &&
        error.message.includes('1200x800') &&
        error.message.includes('"x":1200'),
    );
  });

  test('crop with a smart gravity cuts by content at full scale', () => {
    const g = plan(1200, 800, { strategy: 'crop', width: 300, height: 200, gravity: 'attention' });
    assert.deepEqual(g.ops, [{ op: 'smartCrop', strategy: 'attention', width: 300, height: 200 }]);
  });

  test('square cuts the centred square then scales it', () => {
    assert.deepEqual(plan(1200, 800, { strategy: 'square', size: 100 }).ops, [
      extract(200, 0, 800, 800),
      resize(100, 100),
    ]);
    assert.deepEqual(plan(800, 1200, { strategy: 'square', size: 100 }).ops, [
      extract(0, 200, 800, 800),
      resize(100, 100),
    ]);
    assert.deepEqual(
      plan(800, 1200, { strategy: 'square', size: 100, gravity: 'north' }).ops[0],
      extract(0, 0, 800, 800),
    );
    const up = plan(64, 48, { strategy: 'square', size: 96 });
    assert.deepEqual(up.ops, [extract(8, 0, 48, 48), resize(96, 96)]);
    assert.equal(up.enlarges, true);
    assert.deepEqual(plan(100, 100, { strategy: 'square', size: 100 }).ops, []);
  });

  test('fill fits inside and pads, with the step background, the plan background, else white', () => {
    const g = plan(1200, 800, { strategy: 'fill', width: 300, height: 300 });
    assert.deepEqual(g.ops, [
      resize(300, 200),
      { op: 'pad', top: 50, bottom: 50, left: 0, right: 0, colour: WHITE },
    ]);
    const odd = plan(1200, 800, { strategy: 'fill', width: 300, height: 301, background: '#ff0000' });
    assert.deepEqual(odd.ops[1], {
      op: 'pad',
      top: 50,
      bottom: 51,
      left: 0,
      right: 0,
      colour: { r: 255, g: 0, b: 0, alpha: 1 },
    });
    const planBackground = { r: 1, g: 2, b: 3, alpha: 0 };
    const fromPlan = planGeometry(800, 1200, parseResize({ strategy: 'fill', width: 300, height: 300 }), {
      background: planBackground,
    });
    assert.deepEqual(fromPlan.ops[1], {
      op: 'pad',
      top: 0,
      bottom: 0,
      left: 50,
      right: 50,
      colour: planBackground,
    });
    // enlarges to fit
    assert.deepEqual(plan(100, 50, { strategy: 'fill', width: 400, height: 400 }).ops[0], resize(400, 200));
  });

  test('enhance: Mitchell and an unsharp mask on enlargement only', () => {
    const up = plan(100, 100, { strategy: 'exact', width: 400, height: 400, enhance: true });
    assert.deepEqual(up.ops, [resize(400, 400, 'mitchell'), { op: 'sharpen', sigma: 2 }]);
    const mild = plan(100, 100, { strategy: 'exact', width: 150, height: 150, enhance: true });
    assert.deepEqual(mild.ops, [resize(150, 150, 'mitchell'), { op: 'sharpen', sigma: 0.75 }]);
    const down = plan(400, 400, { strategy: 'exact', width: 100, height: 100, enhance: true });
    assert.deepEqual(down.ops, [resize(100, 100)]);
  });

  test('sides over the limit: OUTPUT_TOO_LARGE naming the dimensions, intermediate ones too', () => {
    const tooLarge = (fn: () => unknown, text: string) =>
      assert.throws(fn, (error: unknown) => {
        assert.ok(isSquishError(error) && error.code === 'OUTPUT_TOO_LARGE', String(error));
        assert.match(error.message, new RegExp(text));
        return true;
      });
    tooLarge(() => plan(100, 100, { strategy: 'exact', width: 20_000, height: 10 }, 16_383), '20000x10');
    tooLarge(() => plan(100, 100, { strategy: 'fill', width: 300, height: 200 }, 250), '300x200');
    // fit 10000x10 of a square needs a 10000x10000 intermediate
    tooLarge(
      () => plan(100, 100, { strategy: 'fit', width: 10_000, height: 10 }, 16_383 / 2),
      'via 10000x10000',
    );
    assert.equal(size(plan(100, 100, { strategy: 'exact', width: 16_383, height: 1 }, 16_383)), '16383x1');
  });

  test('pixel budget: output and intermediates, all frames together', () => {
    const step = parseResize({ strategy: 'exact', width: 500, height: 500 });
    assert.equal(size(planGeometry(100, 100, step, { maxOutputPixels: 250_000 })), '500x500');
    assert.throws(
      () => planGeometry(100, 100, step, { maxOutputPixels: 1_000_000, frames: 5 }),
      (error: unknown) =>
        isSquishError(error) && error.code === 'OUTPUT_TOO_LARGE' && /500x500 x 5 frames/.test(error.message),
    );
    // fit 1000x10 of a square scales to 1000x1000 before cutting: that intermediate counts
    const fit = parseResize({ strategy: 'fit', width: 1000, height: 10 });
    assert.throws(
      () => planGeometry(100, 100, fit, { maxOutputPixels: 500_000 }),
      /OUTPUT_TOO_LARGE|1000x10/,
    );
  });

  test('anchoredRegion corners', () => {
    assert.deepEqual(anchoredRegion(10, 10, 4, 4, 'southeast'), { left: 6, top: 6, width: 4, height: 4 });
    assert.deepEqual(anchoredRegion(10, 10, 3, 3, 'center'), { left: 3, top: 3, width: 3, height: 3 });
  });
});
