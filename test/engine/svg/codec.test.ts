import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { svgOptimizer } from '../../../src/engine/codecs/svg/index.js';
import { bytes, context, fixture, renderScore } from './helpers.js';

describe('SVG codec', () => {
  it('minifies openclipart files that render the same (SSIMULACRA2 >= 90, checked independently)', async () => {
    for (const name of ['oc-star_75pt08step.svg', 'oc-goto.svg']) {
      const input = fixture(name);
      const result = await svgOptimizer.lossless(input, context());
      assert.ok(
        result.data.length < input.length * 0.5,
        `${name}: ${result.data.length} of ${input.length} bytes`,
      );
      const score = await renderScore(input, result.data);
      assert.ok(score >= 90, `${name}: SSIMULACRA2 ${score}`);
      assert.equal(result.lossless, true);
    }
  });

  it('falls back to a more precise level when svgo at 3 decimals changes the rendering (oc-goto.svg)', async () => {
    const result = await svgOptimizer.lossless(fixture('oc-goto.svg'), context());
    assert.match(result.method, /5 decimals/);
    assert.ok(
      result.notes?.some((n) => /3 decimals rejected/.test(n)),
      String(result.notes),
    );
  });

  it('keeps the rendered size of documents sized in pt', async () => {
    const input = bytes(
      '<svg xmlns="http://www.w3.org/2000/svg" width="300pt" height="100pt" viewBox="0 0 300 100">' +
        '<rect x="10.123456" y="10.654321" width="280.5" height="80.25" fill="#336699" stroke="#000000" stroke-width="2.000"/>' +
        '<circle cx="150.000" cy="50.000" r="30.000" fill="#ffcc00"/></svg>',
    );
    const result = await svgOptimizer.lossless(input, context());
    const [before, after] = await Promise.all([sharp(input).metadata(), sharp(result.data).metadata()]);
    assert.deepEqual([after.width, after.height], [before.width, before.height]);
    assert.ok(result.data.length < input.length);
    const score = await renderScore(input, result.data);
    assert.ok(score >= 90, `SSIMULACRA2 ${score}`);
  });

  it('lossy mode rounds more coarsely, still meets the target, and is no larger than lossless', async () => {
    const input = fixture('oc-star_75pt08step.svg');
    const lossless = await svgOptimizer.lossless(input, context());
    const lossy = await svgOptimizer.lossy(input, context({ lossy: true, target: 70 }));
    assert.ok(lossy.data.length <= lossless.data.length, `${lossy.data.length} > ${lossless.data.length}`);
    assert.ok((lossy.score ?? 0) >= 70, `codec score ${lossy.score}`);
    const score = await renderScore(input, lossy.data);
    assert.ok(score >= 60, `independent SSIMULACRA2 ${score}`);
  });

  it('does not render <use> amplification: returns the sanitized document with a note', async () => {
    let defs = '<circle id="l0" r="1"/>';
    for (let level = 1; level <= 6; level++) {
      defs += `<g id="l${level}">${Array.from({ length: 10 }, () => `<use href="#l${level - 1}"/>`).join('')}</g>`;
    }
    const input = bytes(
      `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><defs>${defs}</defs><use href="#l6"/><script>alert(1)</script></svg>`,
    );
    const result = await svgOptimizer.lossless(input, context());
    const text = new TextDecoder().decode(result.data);
    assert.equal(result.method, 'sanitized, not minified');
    assert.doesNotMatch(text, /script/);
    assert.ok(
      result.notes?.some((n) => /<use> references expand/.test(n)),
      String(result.notes),
    );
  });

  it('stops with PROCESSING_TIMEOUT when the deadline has passed', async () => {
    const ctx = { ...context(), deadline: Date.now() - 1 };
    await assert.rejects(svgOptimizer.lossless(fixture('oc-star_75pt08step.svg'), ctx), {
      code: 'PROCESSING_TIMEOUT',
    });
  });
});
