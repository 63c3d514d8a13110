import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { losslessDecimals, userSpaceExtent } from '../../../src/engine/codecs/svg/precision.js';
import { diffRenders } from '../../../src/engine/codecs/svg/render-diff.js';

describe('SVG precision and render diff', () => {
  it('reads the user-space extent from the viewBox, else from numeric width and height', () => {
    assert.equal(userSpaceExtent('<svg viewBox="0 0 48 32" width="480" height="320">'), 48);
    assert.equal(userSpaceExtent("<?xml version='1.0'?><svg:svg width='200px' height='100'>"), 200);
    assert.equal(userSpaceExtent('<svg width="100%" height="100%">'), undefined);
    assert.equal(userSpaceExtent('<html/>'), undefined);
  });

  it('keeps more decimals for small coordinate spaces', () => {
    assert.equal(losslessDecimals(16), 5);
    assert.equal(losslessDecimals(48), 4);
    assert.equal(losslessDecimals(1920), 3);
    assert.equal(losslessDecimals(4096), 2);
    assert.equal(losslessDecimals(undefined), 3);
    assert.equal(losslessDecimals(0.001), 6);
  });

  it('ranks the tiles that changed most, and reports identical renders as infinite PSNR', () => {
    const width = 256;
    const height = 128;
    const a = { data: new Uint8Array(width * height * 4).fill(200), width, height };
    assert.equal(diffRenders(a, a, 64, 8).psnr, Number.POSITIVE_INFINITY);
    const b = { ...a, data: a.data.slice() };
    // A strong change in the tile at column 2, row 1, a faint one in the tile at column 0, row 0.
    for (let y = 70; y < 90; y++) for (let x = 140; x < 160; x++) b.data[(y * width + x) * 4] = 0;
    b.data[0] = 199;
    const diff = diffRenders(a, b, 64, 8);
    assert.ok(diff.psnr > 20 && diff.psnr < 60, String(diff.psnr));
    assert.deepEqual(diff.worstTiles, [
      { left: 128, top: 64, width: 64, height: 64 },
      { left: 0, top: 0, width: 64, height: 64 },
    ]);
  });
});
