import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RgbImage } from '../../../src/engine/metric/ssimulacra2.js';
import { mosaic, pickTiles, selectTiles } from '../../../src/engine/search/sample.js';

/** Left half flat grey, right half a fine checkerboard whose detail grows downwards. */
function testImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = x < width / 2 ? 128 : (x + y) % 2 === 0 ? 128 + Math.floor((y / height) * 127) : 128;
      data.fill(v, (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  }
  return { data, width, height };
}

test('small images are measured whole', () => {
  const image = testImage(300, 200);
  assert.deepEqual(pickTiles(image), [{ left: 0, top: 0, width: 300, height: 200 }]);
  assert.equal(mosaic(image, pickTiles(image)), image);
});

test('large images give aligned tiles spanning flat and busy areas', () => {
  const image = testImage(1000, 700);
  const tiles = pickTiles(image, { tile: 128, count: 8, align: 16 });
  assert.equal(tiles.length, 8);
  for (const t of tiles) {
    assert.equal(t.left % 16, 0);
    assert.equal(t.top % 16, 0);
    assert.ok(t.left + t.width <= 1000 && t.top + t.height <= 700);
  }
  assert.ok(
    tiles.some((t) => t.left + t.width <= 500),
    'a flat tile',
  );
  assert.ok(
    tiles.some((t) => t.left >= 500),
    'a textured tile',
  );
});

test('the mosaic holds each tile pixel for pixel', () => {
  const image = testImage(1000, 700);
  const tiles = pickTiles(image);
  const packed = mosaic(image, tiles);
  assert.equal(packed.width, 512);
  assert.equal(packed.height, 256);
  tiles.forEach((t, index) => {
    const ox = (index % 4) * 128;
    const oy = Math.floor(index / 4) * 128;
    for (const [dx, dy] of [
      [0, 0],
      [127, 127],
      [5, 77],
    ] as const) {
      const src = ((t.top + dy) * image.width + t.left + dx) * 3;
      const dst = ((oy + dy) * packed.width + ox + dx) * 3;
      assert.deepEqual(packed.data.subarray(dst, dst + 3), image.data.subarray(src, src + 3));
    }
  });
});

test('selectTiles picks what pickTiles picks and reports every cell detail, ascending', () => {
  const image = testImage(1000, 700);
  const selection = selectTiles(image, { tile: 128, count: 8, align: 16 });
  assert.deepEqual(selection.rects, pickTiles(image, { tile: 128, count: 8, align: 16 }));
  // 7 x 5 cells of 128 px: the flat left half has no detail, the checkerboard half does.
  assert.equal(selection.cellDetails.length, 35);
  assert.deepEqual(
    selection.cellDetails,
    [...selection.cellDetails].sort((a, b) => a - b),
  );
  assert.equal(selection.cellDetails[0], 0);
  assert.ok(selection.cellDetails.at(-1)! > 0);
  assert.deepEqual(selectTiles(testImage(300, 200)).cellDetails, []);
});
