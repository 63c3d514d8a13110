import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { minifyFacts } from '../../../src/engine/codecs/svg/minify-facts.js';
import { bothModes, bytes } from './helpers.js';

// What a screen reader reads changes nothing in a render, so the render check cannot guard it.
describe('SVG accessibility', () => {
  it('reads the ids that ARIA attributes name', () => {
    const text =
      '<svg aria-labelledby="t  d" aria-describedby=\'x\'><g aria-controls="menu"/><g aria-label="not an id"/></svg>';
    assert.deepEqual(minifyFacts(text).ariaIds, ['t', 'd', 'x', 'menu']);
  });

  it('keeps role and the ids that aria-labelledby names, while other ids are still minified', async () => {
    const input = bytes(
      '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" role="img" aria-labelledby="logo-title logo-desc">' +
        '<title id="logo-title">Company logo</title><desc id="logo-desc">A red square</desc>' +
        '<rect x="10.000" y="10.000" width="50" height="50" fill="#ff0000"/>' +
        '<use href="#small-square"/><rect id="small-square" x="60" y="60" width="10" height="10" fill="#0000ff"/></svg>',
    );
    for (const result of await bothModes(input)) {
      const text = new TextDecoder().decode(result.data);
      assert.match(text, /<svg [^>]*role="img"/);
      assert.match(text, /<svg [^>]*aria-labelledby="logo-title logo-desc"/);
      assert.match(text, /<title id="logo-title">Company logo<\/title>/);
      assert.match(text, /<desc id="logo-desc">A red square<\/desc>/);
      assert.doesNotMatch(text, /small-square/);
    }
  });
});
