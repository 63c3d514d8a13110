import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { svgOptimizer } from '../../../src/engine/codecs/svg/index.js';
import { bothModes, context, fixture } from './helpers.js';

// oc-star_75pt08step.svg carries Inkscape's RDF: dc:title, the cc:license and its permissions.
const input = fixture('oc-star_75pt08step.svg');
const keepingRights = { keep: { icc: true, orientation: true, copyright: true } };

describe('SVG metadata', () => {
  it('strips <metadata> by default', async () => {
    const result = await svgOptimizer.lossless(input, context());
    assert.doesNotMatch(new TextDecoder().decode(result.data), /<metadata|cc:license|rdf:RDF/);
  });

  it('keeps <metadata> (creator, rights, licence) when the plan keeps copyright, and still minifies', async () => {
    for (const result of await bothModes(input, keepingRights)) {
      const text = new TextDecoder().decode(result.data);
      assert.match(text, /<metadata>.*<cc:Work rdf:about="">.*<cc:license .*<cc:permits /s);
      assert.ok(result.data.length < input.length * 0.8, `${result.data.length} of ${input.length} bytes`);
      assert.match(result.method, /verified by rendering/);
    }
  });
});
