import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { svgOptimizer } from '../../../src/engine/codecs/svg/index.js';
import { bothModes, bytes, context, fixture, renderScore } from './helpers.js';

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
      assert.equal(result.unsafeInput, false);
      const meta = await sharp(input).metadata();
      assert.deepEqual([result.width, result.height], [meta.width, meta.height]);
    }
  });

  it('declares the SVG namespace the input left out, which browsers need to show the file', async () => {
    const input = fixture('oc-star_75pt08step.svg');
    assert.doesNotMatch(new TextDecoder().decode(input), /xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    for (const result of await bothModes(input)) {
      assert.match(new TextDecoder().decode(result.data), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" /);
    }
  });

  it('falls back to a more precise level when svgo changes the rendering (oc-goto.svg arcs)', async () => {
    const result = await svgOptimizer.lossless(fixture('oc-goto.svg'), context());
    assert.match(result.method, /6 decimals/);
    assert.ok(
      result.notes?.some((n) => /4 decimals rejected/.test(n)),
      String(result.notes),
    );
    // Checked at the size the benchmark uses too (1024 px), where 4 decimals scored 75.
    const score = await renderScore(fixture('oc-goto.svg'), result.data, 1024);
    assert.ok(score >= 90, `SSIMULACRA2 at 1024 px ${score}`);
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

  it('lossy mode with a fixed quality rounds to the precision it maps to', async () => {
    const input = fixture('oc-star_75pt08step.svg');
    const coarse = await svgOptimizer.lossy(input, context({ lossy: true, quality: 30 }));
    const fine = await svgOptimizer.lossy(input, context({ lossy: true, quality: 95 }));
    // oc-star is 100 units wide: 4 decimals lossless (precision.ts), 2 at quality 30.
    assert.match(coarse.method, /2 decimals/);
    assert.match(fine.method, /4 decimals/);
    assert.ok(coarse.data.length < fine.data.length);
    assert.equal(coarse.quality, 30);
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
    assert.equal(result.unsafeInput, true);
    assert.doesNotMatch(text, /script/);
    assert.ok(
      result.notes?.some((n) => /<use> references and markers expand/.test(n)),
      String(result.notes),
    );
  });

  it('does not render marker amplification (a marker at every vertex of a long polyline)', async () => {
    const points = Array.from({ length: 20_000 }, (_, i) => `${(i * 7) % 1000},${(i * 13) % 1000}`).join(' ');
    const marker = Array.from({ length: 200 }, (_, i) => `<circle cx="${i % 10}" cy="${i % 7}" r="1"/>`).join(
      '',
    );
    const input = bytes(
      `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="1000"><defs><marker id="m">${marker}</marker></defs>` +
        `<polyline points="${points}" style="fill:none;stroke:#000;marker-mid:url(#m)"/></svg>`,
    );
    const result = await svgOptimizer.lossless(input, context());
    assert.equal(result.method, 'sanitized, not minified');
  });

  it('reads UTF-16 and Latin-1 documents and writes UTF-8 that renders the same', async () => {
    const body =
      '<svg xmlns="http://www.w3.org/2000/svg" width="80" height="80"><title>café</title>' +
      '<rect x="10.000001" y="10" width="60" height="60" fill="#008000"/></svg>';
    const utf16 = new Uint8Array([0xff, 0xfe, ...Buffer.from(body, 'utf16le')]);
    const latin1 = new Uint8Array(
      Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>${body}`, 'latin1'),
    );
    for (const input of [utf16, latin1]) {
      const result = await svgOptimizer.lossless(input, context());
      const text = new TextDecoder('utf-8', { fatal: true }).decode(result.data);
      assert.match(text, /<title>café<\/title>/);
      const score = await renderScore(bytes(body), result.data);
      assert.ok(score >= 90, `SSIMULACRA2 ${score}`);
    }
  });

  it("verifies documents larger than sharp's lowest density can shrink to the render size", async () => {
    const input = bytes(
      '<svg xmlns="http://www.w3.org/2000/svg" width="40000" height="20000">' +
        '<rect x="5000.000001" y="5000" width="30000" height="10000" fill="#800000"/></svg>',
    );
    const result = await svgOptimizer.lossless(input, context());
    assert.match(result.method, /verified by rendering/);
    assert.ok(result.data.length < input.length);
  });

  it('stops with PROCESSING_TIMEOUT when the deadline has passed', async () => {
    const ctx = { ...context(), deadline: Date.now() - 1 };
    await assert.rejects(svgOptimizer.lossless(fixture('oc-star_75pt08step.svg'), ctx), {
      code: 'PROCESSING_TIMEOUT',
    });
  });
});
