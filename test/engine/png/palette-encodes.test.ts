/**
 * The lossy PNG search's palettes: pngquant's reported quality, the premise that asking for more
 * than the finest palette reached changes nothing, and the sharing that premise allows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pngOptimizer } from '../../../src/engine/codecs/png/index.js';
import { FINEST_QUALITY, PaletteEncodes } from '../../../src/engine/codecs/png/palette-encodes.js';
import { type Quantized, quantize, sameAsFinest } from '../../../src/engine/codecs/png/quantize.js';
import { fixture, pngContext } from './context.js';

const deadline = () => Date.now() + 60_000;

describe('pngquant reached quality', () => {
  // 200x150 RGBA with soft alpha: 256 colours reach libimagequant quality 57 only.
  const input = fixture('pil-transparent.png');

  it('is reported, and every quality above it gives the finest palette byte for byte', async () => {
    const finest = await quantize(input, 100, 'pngquant', deadline());
    assert.ok(finest.reached !== undefined && finest.reached < 90, `reached ${finest.reached}`);
    for (const quality of [finest.reached + 1, 90]) {
      assert.equal(sameAsFinest(quality, finest), true);
      const again = await quantize(input, quality, 'pngquant', deadline());
      assert.deepEqual(again.png, finest.png, `quality ${quality}`);
    }
    assert.equal(sameAsFinest(finest.reached, finest), false, 'the reached quality itself is quantized');
    const lower = await quantize(input, finest.reached - 20, 'pngquant', deadline());
    assert.notDeepEqual(lower.png, finest.png, 'a lower quality gives another palette');
  });

  it('bounds the lossy search: it looks below the qualities that all give the finest palette', async () => {
    const finest = await quantize(input, 100, 'pngquant', deadline());
    const result = await pngOptimizer.lossy(input, pngContext({ lossy: true }));
    // Searched from quality 100, the search spent its tries on copies of the finest palette and
    // settled on quality 62 (7 334 bytes); from 58 down it finds 39 (7 339 bytes, scoring 89.4).
    assert.ok(
      result.quality !== undefined && result.quality <= finest.reached! + 1,
      `quality ${result.quality}`,
    );
  });

  it('is unknown from sharp, so nothing is shared', async () => {
    const finest = await quantize(input, 100, 'sharp', deadline());
    assert.equal(finest.reached, undefined);
    assert.equal(sameAsFinest(99, finest), false);
  });
});

describe('PaletteEncodes', () => {
  /** A stand-in quantizer whose finest palette reaches `reached`, recording each quality asked for. */
  function recording(reached: number | undefined): { palettes: PaletteEncodes; asked: number[] } {
    const asked: number[] = [];
    const palettes = new PaletteEncodes(async (quality) => {
      asked.push(quality);
      const result: Quantized = { png: new Uint8Array([quality]) };
      if (reached !== undefined) result.reached = reached;
      return result;
    }, deadline());
    return { palettes, asked };
  }

  it('quantizes each quality once, and qualities above the reached one not at all', async () => {
    const { palettes, asked } = recording(80);
    assert.equal(palettes.canonical(95), 95, 'unknown before the finest palette is done');
    assert.deepEqual(await palettes.at(FINEST_QUALITY), new Uint8Array([100]));
    assert.equal(palettes.canonical(95), FINEST_QUALITY);
    assert.deepEqual(await palettes.at(95), new Uint8Array([100]));
    assert.deepEqual(await palettes.at(81), new Uint8Array([100]));
    assert.deepEqual(await palettes.at(80), new Uint8Array([80]));
    assert.deepEqual(await palettes.at(70), new Uint8Array([70]));
    await palettes.at(70);
    assert.deepEqual(asked, [100, 80, 70]);
  });

  it('shares nothing when the quantizer does not say what it reached', async () => {
    const { palettes, asked } = recording(undefined);
    await palettes.at(FINEST_QUALITY);
    await palettes.at(95);
    assert.deepEqual(asked, [100, 95]);
  });
});
