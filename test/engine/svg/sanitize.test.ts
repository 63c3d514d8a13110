import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { svgOptimizer } from '../../../src/engine/codecs/svg/index.js';
import { describeRemovals } from '../../../src/engine/codecs/svg/sanitize.js';
import { bytes, context, fixture, sanitizeOnly } from './helpers.js';

const SVG = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"';

function doc(body: string): string {
  return `<svg ${SVG} width="100" height="100">${body}</svg>`;
}

describe('SVG sanitizer', () => {
  it('removes script elements, CDATA included, and says so', () => {
    const { output, report } = sanitizeOnly(
      doc(
        '<script>alert(1)</script><SCRIPT/><script type="text/ecmascript"><![CDATA[alert(2)]]></script><rect width="10" height="10"/>',
      ),
    );
    assert.doesNotMatch(output, /script|alert/i);
    assert.match(output, /<rect/);
    assert.equal(report.scripts, 3);
    assert.deepEqual(describeRemovals(report), ['sanitized: removed 3 script elements']);
  });

  it('removes on* event handlers in any case, on every element', () => {
    const { output, report } = sanitizeOnly(
      `<svg ${SVG} onload="alert(1)"><g ONCLICK="alert(2)"><circle r="5" onmouseover="alert(3)" opacity=".5"/></g></svg>`,
    );
    assert.doesNotMatch(output, /alert|onload|onclick|onmouseover/i);
    assert.match(output, /opacity="\.5"/);
    assert.equal(report.eventHandlers, 3);
  });

  it('removes href and xlink:href to anything but #fragment or a raster data: image', () => {
    const png = 'data:image/png;base64,iVBORw0KGgo=';
    const { output, report } = sanitizeOnly(
      doc(
        '<defs><rect id="r" width="5" height="5"/></defs>' +
          '<use xlink:href="#r"/><use href="#r"/>' +
          '<image xlink:href="http://evil.example/a.png"/><image href="//evil.example/b.png"/>' +
          '<use href="other.svg#r"/><image href="data:image/svg+xml;base64,PHN2Zz4="/>' +
          `<image href="${png}"/><a xlink:href="https://example.com/"><text>x</text></a>`,
      ),
    );
    assert.doesNotMatch(output, /evil|other\.svg|svg\+xml|example\.com/);
    assert.equal((output.match(/href="#r"/g) ?? []).length, 2);
    assert.ok(output.includes(png), 'raster data: URI kept');
    assert.equal(report.externalReferences, 5);
  });

  it('neutralizes external url() in style attributes, presentation attributes and style sheets', () => {
    const { output, report } = sanitizeOnly(
      doc(
        '<style>@import url("http://evil.example/a.css"); rect { fill: url(http://evil.example/p.svg#p) } ' +
          'circle { fill: \\75 rl(//evil.example/q) } .ok { fill: url(#grad) }</style>' +
          '<rect style="fill: url(\'https://evil.example/x\'); stroke: red" width="5" height="5"/>' +
          '<rect style="fill: url(&quot;#a/*&quot;); stroke: url(http://evil.example/hidden); --x: &quot;*/&quot;"/>' +
          '<rect filter="url(http://evil.example/f.svg#f)" fill="url(#grad)" width="5" height="5"/>' +
          '<circle r="5" cursor="URL(ftp://evil.example/c.cur), auto"/>',
      ),
    );
    assert.doesNotMatch(output, /evil|@import/);
    assert.match(output, /url\(#grad\)/, 'local references kept');
    assert.match(output, /stroke:\s*red/, 'other declarations kept');
    assert.equal(report.imports, 1);
    assert.equal(report.externalReferences, 6);
  });

  it('removes javascript: URLs however they are written', () => {
    const variants = [
      'javascript:alert(1)',
      '&#106;avascript:alert(2)',
      '&#x6A;&#x61;vascript:alert(3)',
      'java&#9;script:alert(4)',
      '  JaVaScRiPt:alert(5)',
      'java\nscript:alert(6)',
      'vbscript:msgbox(7)',
    ];
    const links = variants.map((v) => `<a href="${v}"><text>x</text></a><a xlink:href="${v}"/>`).join('');
    const { output, report } = sanitizeOnly(doc(links));
    assert.doesNotMatch(output, /script:|alert|msgbox/i);
    assert.equal(report.javascriptUrls, variants.length * 2);
  });

  it('reads schemes past any amount of whitespace, and keeps long raster data: URIs whole', () => {
    // The scheme checks look at a compacted prefix only; skipped characters do not count towards it.
    const padding = '\t\n '.repeat(40);
    const png = `data:image/png;base64,iVBORw0KGgo${'A'.repeat(200_000)}=`;
    const { output, report } = sanitizeOnly(
      doc(
        `<a href="${padding}Java&#9;Script:alert(1)"><text>x</text></a>` +
          `<rect width="5" height="5" fill="${padding}vbscript:alert(2)" stroke="${padding}data:text/html,x"/>` +
          `<image width="5" height="5" href="${padding}${png}"/>`,
      ),
    );
    assert.doesNotMatch(output, /alert\([12]\)|data:text/i);
    assert.equal(report.javascriptUrls, 3);
    assert.ok(output.includes(png), 'long raster data: URI kept');
  });

  it('removes foreignObject with its HTML, and embedding elements', () => {
    const { output, report } = sanitizeOnly(
      doc(
        '<foreignObject width="50" height="50"><body xmlns="http://www.w3.org/1999/xhtml"><iframe src="http://evil.example/"/></body></foreignObject>' +
          '<iframe xmlns="http://www.w3.org/1999/xhtml" src="http://evil.example/"/><rect width="1" height="1"/>',
      ),
    );
    assert.doesNotMatch(output, /foreignObject|iframe|evil|body/);
    assert.equal(report.foreignObjects, 1);
    assert.equal(report.otherElements, 1);
  });

  it('removes animations that rewrite href or handlers, and xml-stylesheet instructions', () => {
    const { output, report } = sanitizeOnly(
      `<?xml-stylesheet href="http://evil.example/s.css"?>${doc(
        '<a href="#x"><set attributeName="href" to="javascript:alert(1)"/><animate attributeName="xlink:href" values="http://evil.example/"/>' +
          '<animate attributeName="opacity" from="0" to="1" dur="1s"/><text>x</text></a>',
      )}`,
    );
    assert.doesNotMatch(output, /evil|javascript|<set|xlink:href|stylesheet/);
    assert.match(output, /attributeName="opacity"/);
    assert.equal(report.otherElements, 2);
    assert.equal(report.instructions, 1);
  });

  it('cleans external-refs.svg: every external url() gone, the local one kept', async () => {
    const input = fixture('external-refs.svg');
    const result = await svgOptimizer.lossless(input, context());
    const text = new TextDecoder().decode(result.data);
    assert.doesNotMatch(text, /tracker\.invalid|10\.0\.0\.7|absolute-path|DOCTYPE/);
    assert.doesNotMatch(text, /url\(\s*(?!['"]?#)/, 'no url() other than #fragment');
    const local = /url\(['"]?#([\w-]+)/.exec(text);
    assert.ok(local, 'the local gradient reference is kept');
    assert.match(text, new RegExp(`<linearGradient id="${local[1]}"`), 'and still points at the gradient');
    assert.ok(
      result.notes?.some((n) => /removed 6 external references/.test(n)),
      String(result.notes),
    );
    assert.equal(result.unsafeInput, true, 'the engine must not fall back to the input');
  });

  it('refuses script-handlers-unbound-prefix.svg (unbound namespace prefix) as INVALID_SVG', async () => {
    await assert.rejects(svgOptimizer.lossless(fixture('script-handlers-unbound-prefix.svg'), context()), {
      code: 'INVALID_SVG',
    });
  });

  it('cleans the rest of script-handlers-unbound-prefix.svg (without its unparseable line)', () => {
    const text = new TextDecoder()
      .decode(fixture('script-handlers-unbound-prefix.svg'))
      .split('\n')
      .filter((line) => !line.includes('x:script'))
      .join('\n');
    const { output, report } = sanitizeOnly(text);
    assert.doesNotMatch(output, /steal|onload|<script/);
    assert.equal(report.scripts, 1);
    assert.equal(report.eventHandlers, 6);
  });

  it('refuses documents that are not well-formed or not SVG', async () => {
    for (const text of [
      '<svg xmlns="http://www.w3.org/2000/svg"><g></svg>',
      '<html><body/></html>',
      'not xml',
      '',
    ]) {
      await assert.rejects(svgOptimizer.lossless(bytes(text), context()), { code: 'INVALID_SVG' }, text);
    }
    await assert.rejects(svgOptimizer.lossless(new Uint8Array([0x3c, 0x73, 0xff, 0xfe, 0x00]), context()), {
      code: 'INVALID_SVG',
    });
  });
});
