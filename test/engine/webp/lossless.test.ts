import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { webpOptimizer } from '../../../src/engine/codecs/webp/index.js';
import { parseWebpChunks, serializeWebp } from '../../../src/engine/codecs/webp/riff.js';
import { isSquishError } from '../../../src/errors/index.js';
import { assertSamePixels } from '../../helpers/pixels.js';
import { contextFor, fixture } from './codec-context.js';

describe('WebP lossless', () => {
  it('re-encodes a lossless still WebP with alpha smaller and pixel-exact', async () => {
    const input = fixture('webp', 'transparent-lossless.webp');
    const out = await webpOptimizer.lossless(input, await contextFor(input, 'webp'));
    assert.equal(out.lossless, true);
    assert.match(out.method, /lossless re-encode/);
    assert.ok(out.data.length < input.length, `${out.data.length} < ${input.length}`);
    await assertSamePixels(input, out.data, 'transparent');
  });

  it('re-encodes an animation keeping every frame, delay and the loop count', async () => {
    const input = fixture('webp', 'chi-anim-lossless.webp');
    const out = await webpOptimizer.lossless(input, await contextFor(input, 'webp'));
    const [before, after] = await Promise.all([sharp(input).metadata(), sharp(out.data).metadata()]);
    assert.equal(after.pages, 6);
    assert.equal(after.loop, 3);
    assert.deepEqual(after.delay, before.delay);
    assert.equal(out.lossless, true);
    await assertSamePixels(input, out.data, 'animation (all frames stacked)');
  });

  it('strips EXIF and XMP from a lossy WebP without touching pixels, keeping the orientation', async () => {
    const input = fixture('webp', 'flower-lossy-exif-xmp.webp');
    const out = await webpOptimizer.lossless(input, await contextFor(input, 'webp'));
    assert.equal(out.method, 'webp metadata stripped');
    assert.ok(out.data.length < input.length - 400, `${out.data.length} vs ${input.length}`);
    await assertSamePixels(input, out.data, 'flower');
    const meta = await sharp(out.data).metadata();
    assert.equal(meta.orientation, 6);
    assert.equal(meta.xmp, undefined);
    assert.ok((meta.exif?.length ?? 0) < 64, 'only the orientation is left in EXIF');
    assert.ok(meta.icc, 'the ICC profile is kept');
  });

  it('drops the orientation and the ICC profile too when the plan does not keep them', async () => {
    const input = fixture('webp', 'flower-lossy-exif-xmp.webp');
    const ctx = await contextFor(input, 'webp', { keep: { icc: false, orientation: false } });
    const out = await webpOptimizer.lossless(input, ctx);
    const meta = await sharp(out.data).metadata();
    assert.equal(meta.orientation, undefined);
    assert.equal(meta.icc, undefined);
    assert.equal(meta.exif, undefined);
    await assertSamePixels(input, out.data, 'flower');
    const chunks = parseWebpChunks(out.data).map((chunk) => chunk.fourcc);
    assert.deepEqual(chunks, ['VP8 '], 'nothing left to need the extended (VP8X) header');
  });

  it('reads and writes the RIFF container without changing a byte', () => {
    for (const name of [
      'flower-lossy-exif-xmp.webp',
      'transparent-lossless.webp',
      'chi-anim-lossless.webp',
    ]) {
      const input = fixture('webp', name);
      assert.deepEqual(Buffer.from(serializeWebp(parseWebpChunks(input))), Buffer.from(input), name);
    }
  });

  it('keeps the ICC profile of a lossless re-encode', async () => {
    const input = new Uint8Array(
      await sharp(fixture('webp', 'transparent-lossless.webp'))
        .withIccProfile('p3')
        .webp({ lossless: true, effort: 0 })
        .toBuffer(),
    );
    const out = await webpOptimizer.lossless(input, await contextFor(input, 'webp'));
    const [before, after] = await Promise.all([sharp(input).metadata(), sharp(out.data).metadata()]);
    assert.ok(before.icc && after.icc);
    assert.deepEqual(Buffer.from(after.icc), Buffer.from(before.icc));
    await assertSamePixels(input, out.data, 'p3');
  });

  for (const [label, name] of [
    ['lossy still', 'flower-lossy-exif-xmp.webp'],
    ['lossless animation', 'chi-anim-lossless.webp'],
  ] as const) {
    it(`reports a truncated ${label} as CORRUPT_IMAGE`, async () => {
      const whole = fixture('webp', name);
      const ctx = await contextFor(whole, 'webp');
      const truncated = whole.subarray(0, Math.floor(whole.length * 0.7));
      await assert.rejects(webpOptimizer.lossless(truncated, ctx), corruptImage);
      // The container made consistent again: it looks whole, the bitstream inside is not.
      await assert.rejects(webpOptimizer.lossless(closeContainer(truncated), ctx), corruptImage);
      await assert.rejects(webpOptimizer.lossy(truncated, ctx), corruptImage);
    });
  }
});

/** Shortens the chunk the cut went through, and the RIFF size, to end exactly at the cut. */
function closeContainer(truncated: Uint8Array): Uint8Array {
  const view = new DataView(truncated.buffer, truncated.byteOffset, truncated.byteLength);
  let offset = 12;
  for (;;) {
    const size = view.getUint32(offset + 4, true);
    if (offset + 8 + size > truncated.length) {
      const kept = (truncated.length - offset - 8) & ~1;
      const out = truncated.slice(0, offset + 8 + kept);
      const outView = new DataView(out.buffer);
      outView.setUint32(offset + 4, kept, true);
      outView.setUint32(4, out.length - 8, true);
      return out;
    }
    offset += 8 + size + (size & 1);
  }
}

function corruptImage(error: unknown): boolean {
  assert.ok(isSquishError(error), String(error));
  assert.equal(error.code, 'CORRUPT_IMAGE');
  return true;
}
