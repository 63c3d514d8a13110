import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveEntities } from '../../../src/engine/codecs/svg/entities.js';
import { svgOptimizer } from '../../../src/engine/codecs/svg/index.js';
import { bytes, context, fixture, renderScore, sanitizeOnly } from './helpers.js';

const BODY = '<svg xmlns="&ns_svg;" width="10" height="10"><rect width="10" height="10" fill="&c;"/></svg>';

function withSubset(subset: string, body = BODY): string {
  return `<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.0//EN" "http://www.w3.org/TR/2001/REC-SVG-20010904/DTD/svg10.dtd" [\n${subset}\n]>\n${body}`;
}

const BILLION_LAUGHS = withSubset(
  [
    '<!ENTITY lol "lol">',
    ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`),
  ].join('\n'),
  '<svg xmlns="http://www.w3.org/2000/svg"><text>&lol9;</text></svg>',
);

describe('SVG DOCTYPE guard', () => {
  it('accepts the Illustrator file with simple entities, and the output renders the same', async () => {
    const input = fixture('oc-user_frederic_moser_01.svg');
    const result = await svgOptimizer.lossless(input, context());
    const text = new TextDecoder().decode(result.data);
    assert.doesNotMatch(text, /<!DOCTYPE|<!ENTITY|&ns_/);
    assert.ok(result.data.length < input.length);
    const score = await renderScore(input, result.data);
    assert.ok(score >= 90, `SSIMULACRA2 ${score}`);
  });

  it('never offers back an input whose internal subset it expanded, in either mode', async () => {
    const input = fixture('oc-user_frederic_moser_01.svg');
    for (const lossy of [false, true]) {
      const result = await (lossy ? svgOptimizer.lossy : svgOptimizer.lossless)(input, context({ lossy }));
      assert.match(result.method, /verified by rendering/);
      assert.equal(result.unsafeInput, true, 'a viewer of the input would apply its entities');
    }
  });

  it('minifies a document with an external DOCTYPE alone, which renders the same and may be kept', async () => {
    const input = bytes(
      '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n' +
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><!-- c --><circle cx="20.000" cy="20.000" r="15.000" fill="#ff0000"/></svg>',
    );
    const result = await svgOptimizer.lossless(input, context());
    const text = new TextDecoder().decode(result.data);
    assert.match(result.method, /verified by rendering/);
    assert.doesNotMatch(text, /DOCTYPE|w3\.org\/Graphics/);
    assert.equal(result.unsafeInput, false);
    assert.ok((await renderScore(input, result.data)) >= 90);
  });

  it('expands simple entities in text and attributes, escaping quotes, not inside CDATA or comments', () => {
    const resolved = resolveEntities(
      withSubset(
        '<!ENTITY ns_svg "http://www.w3.org/2000/svg"><!-- a comment --><!ENTITY c \'#f00\'><!ENTITY q \'say "hi"\'>',
        '<svg xmlns="&ns_svg;" width="10" height="10"><title>&q;</title><style><![CDATA[/* &c; */]]></style><!-- &c; --><rect fill="&c;" data-q="&q;"/></svg>',
      ),
    );
    assert.equal(resolved.declarations, 3);
    assert.equal(resolved.references, 4);
    assert.doesNotMatch(resolved.text, /DOCTYPE/);
    const { output } = sanitizeOnly(resolved.text);
    assert.match(output, /fill="#f00"/);
    assert.match(output, /data-q="say &quot;hi&quot;"/);
    assert.match(output, /\/\* &c; \*\//, 'CDATA left as written');
  });

  it('refuses billion laughs at once, without expanding anything', async () => {
    assert.throws(() => resolveEntities(BILLION_LAUGHS), { code: 'INVALID_SVG' });
    await assert.rejects(svgOptimizer.lossless(bytes(BILLION_LAUGHS), context()), { code: 'INVALID_SVG' });
  });

  it('refuses a quadratic blow-up: one large entity referenced many times', () => {
    const text = withSubset(
      `<!ENTITY ns_svg "http://www.w3.org/2000/svg"><!ENTITY c "red"><!ENTITY big "${'x'.repeat(50_000)}">`,
      `<svg xmlns="&ns_svg;"><text>${'&big;'.repeat(100)}</text></svg>`,
    );
    assert.throws(() => resolveEntities(text), { code: 'INVALID_SVG', message: /expansion is too large/ });
  });

  it('refuses external, parameter and markup entities', () => {
    for (const subset of [
      '<!ENTITY ns_svg SYSTEM "file:///etc/passwd"><!ENTITY c "red">',
      '<!ENTITY ns_svg PUBLIC "-//x//y" "http://evil.example/x.dtd"><!ENTITY c "red">',
      '<!ENTITY % p SYSTEM "http://evil.example/x.dtd"> %p;',
      '<!ENTITY ns_svg "http://www.w3.org/2000/svg"><!ENTITY c "<script>alert(1)</script>">',
      '<!ENTITY ns_svg "http://www.w3.org/2000/svg"><!ENTITY c "&#38;#38;">',
    ]) {
      assert.throws(() => resolveEntities(withSubset(subset)), { code: 'INVALID_SVG' }, subset);
    }
  });

  it("guards a lower-case <!doctype> too (svgo's parser accepts it)", () => {
    const text = BILLION_LAUGHS.replace('<!DOCTYPE', '<!doctype');
    assert.throws(() => resolveEntities(text), { code: 'INVALID_SVG' });
  });

  it('leaves a DOCTYPE inside the root to the parser, which refuses it', async () => {
    const text =
      '<svg xmlns="http://www.w3.org/2000/svg"><!DOCTYPE svg [<!ENTITY a "b">]><text>&a;</text></svg>';
    await assert.rejects(svgOptimizer.lossless(bytes(text), context()), { code: 'INVALID_SVG' });
  });

  it('drops a plain DOCTYPE and ATTLIST declarations', async () => {
    const text = withSubset(
      '<!ATTLIST svg onload CDATA "alert(1)"><!ENTITY ns_svg "http://www.w3.org/2000/svg"><!ENTITY c "blue">',
    );
    const result = await svgOptimizer.lossless(bytes(text), context());
    const out = new TextDecoder().decode(result.data);
    assert.doesNotMatch(out, /DOCTYPE|ATTLIST|onload|alert/);
    assert.match(out, /blue|#00f/);
  });
});
