import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { svgOptimizer } from '../../../src/engine/codecs/svg/index.js';
import { minifyFacts } from '../../../src/engine/codecs/svg/minify-facts.js';
import { bothModes, bytes, context, renderScore } from './helpers.js';

/** A document whose shapes carry their paint as Inkscape writes it: every property inline, defaults included. */
function inkscapeStyled(extraDefs = '', extraStyle = ''): Uint8Array {
  const style = `fill:#3366cc;fill-opacity:1;fill-rule:nonzero;stroke:none;stroke-width:1;stroke-linecap:butt;stroke-linejoin:miter;stroke-miterlimit:4;stroke-dasharray:none;stroke-opacity:1${extraStyle}`;
  const shapes = Array.from(
    { length: 6 },
    (_, i) =>
      `<path class="shape" style="${style}" d="M ${10 + i * 30}.25,20.5 L ${30 + i * 30}.75,20.5 L ${20 + i * 30}.5,80.25 Z"/>`,
  ).join('');
  return bytes(
    `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">${extraDefs}${shapes}</svg>`,
  );
}

describe('SVG inline styles', () => {
  it('reads the facts from the text: a sheet, CSS that only a style attribute takes', () => {
    assert.equal(minifyFacts('<svg><style>.a{fill:red}</style></svg>').sheet, true);
    assert.equal(minifyFacts('<svg><svg:style>x</svg:style></svg>').sheet, true);
    assert.equal(minifyFacts('<svg><g style="fill:red"/></svg>').sheet, false);
    const inline = (style: string) => minifyFacts(`<svg><g style="${style}"/></svg>`).cssOnlyInline;
    assert.equal(inline('text-transform:none;fill:url(#g);stroke:rgb(1,2,3);color:hsla(0,0%,0%,.5)'), false);
    assert.equal(inline('transform:rotate(4deg)'), true);
    assert.equal(inline('fill:red; transform: scale(2)'), true);
    assert.equal(inline('fill:var(--c)'), true);
    assert.equal(inline('stroke-width:calc(1px + 2%)'), true);
    assert.equal(inline('filter:blur(2px)'), true);
    assert.equal(minifyFacts('<g style=\'opacity:.5\' transform="rotate(4)"/>').cssOnlyInline, false);
  });

  it('turns inline styles into attributes, where the defaults are dropped, and renders the same', async () => {
    const input = inkscapeStyled();
    const result = await svgOptimizer.lossless(input, context());
    const text = new TextDecoder().decode(result.data);
    assert.match(result.method, /preset-default/);
    assert.doesNotMatch(text, /style=/);
    assert.doesNotMatch(text, /stroke-miterlimit|fill-opacity/);
    assert.match(text, /fill="#36c"/);
    const score = await renderScore(input, result.data, 1024);
    assert.ok(score >= 90, `SSIMULACRA2 ${score}`);
  });

  it('keeps inline styles when a style sheet is there (its rules outrank attributes, not inline styles)', async () => {
    // As an attribute, fill:#3366cc would lose to the sheet's blue-green; inline, it wins.
    const input = inkscapeStyled('<style>.shape{fill:#00aa88}</style>');
    const result = await svgOptimizer.lossless(input, context());
    assert.match(result.method, /preset-default/);
    assert.match(new TextDecoder().decode(result.data), /style="[^"]*fill:#36c/);
    const score = await renderScore(input, result.data, 1024);
    assert.ok(score >= 90, `SSIMULACRA2 ${score}`);
  });

  it('keeps inline styles that declare transform (CSS syntax, which the attribute does not read)', async () => {
    const input = inkscapeStyled('', ';transform:rotate(0.05turn)');
    const result = await svgOptimizer.lossless(input, context());
    // Converted, svgo reads rotate(0.05turn) as 0.05 degrees: the preset rung would be rejected.
    assert.match(result.method, /preset-default/);
    const score = await renderScore(input, result.data, 1024);
    assert.ok(score >= 90, `SSIMULACRA2 ${score}`);
  });

  it('keeps inline styles with var(): librsvg reads it nowhere, so its render check could not tell', async () => {
    const input = bytes(
      '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><g style="--paint:#3366cc">' +
        '<rect x="10.5" y="10.5" width="50" height="50" style="fill:var(--paint);stroke:none;stroke-width:1"/></g></svg>',
    );
    const result = await svgOptimizer.lossless(input, context());
    assert.match(new TextDecoder().decode(result.data), /style="[^"]*fill:var\(--paint\)/);
  });

  it('sanitizes what the conversion writes: a quoted external url becomes no reference', async () => {
    const input = inkscapeStyled('', `;fill:'url(http://example.com/paint.svg#p)'`);
    for (const result of await bothModes(input)) {
      assert.doesNotMatch(new TextDecoder().decode(result.data), /example\.com/);
    }
  });
});
