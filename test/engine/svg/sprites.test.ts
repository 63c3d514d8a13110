import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { minifyFacts } from '../../../src/engine/codecs/svg/minify-facts.js';
import { bothModes, bytes } from './helpers.js';

const HOME =
  '<path d="M 10.000 20.000 v -6.000 h 4.000 v 6.000 h 5.000 v -8.000 h 3.000 L 12.000 3.000 L 2.000 12.000 z"/>';
const STAR = '<path d="M 12.000 17.270 L 18.180 21.000 l -1.640 -7.030 L 22.000 9.240 z"/>';

// Symbols and views are what other files use (`<use href="icons.svg#home">`): nothing in the
// document refers to them and they draw nothing, so neither svgo nor the render check keeps them.
describe('SVG sprite sheets', () => {
  it('reads the ids of symbols and views', () => {
    const text = `<svg><symbol viewBox="0 0 1 1" id="a"/><view id='b' viewBox="0 0 1 1"/><g id="c"/><symbol/></svg>`;
    assert.deepEqual(minifyFacts(text).exportedIds, ['a', 'b']);
  });

  it('takes a sprite sheet without a size of its own (it was refused) and keeps every symbol', async () => {
    const input = bytes(
      `<svg xmlns="http://www.w3.org/2000/svg" style="display:none"><!-- icon set -->\n  <symbol id="icon-home" viewBox="0 0 24 24">${HOME}</symbol>\n  <symbol id="icon-star" viewBox="0 0 24 24">${STAR}</symbol>\n</svg>`,
    );
    for (const result of await bothModes(input)) {
      const text = new TextDecoder().decode(result.data);
      assert.match(result.method, /structural cleanup, not rendered/);
      assert.ok(result.data.length < input.length);
      assert.doesNotMatch(text, /icon set|\n/);
      assert.match(text, /<symbol id="icon-home" viewBox="0 0 24 24"><path d="M 10.000 20.000 /);
      assert.match(text, /<symbol id="icon-star"/);
    }
  });

  it('keeps symbols and views, with their ids, in a document that draws, and minifies the rest', async () => {
    const input = bytes(
      `<svg xmlns="http://www.w3.org/2000/svg" width="48" height="24" viewBox="0 0 48 24"><defs>` +
        `<symbol id="icon-home" viewBox="0 0 24 24">${HOME}</symbol><symbol id="icon-star" viewBox="0 0 24 24">${STAR}</symbol></defs>` +
        '<use href="#icon-home" width="24" height="24"/><view id="right-half" viewBox="24 0 24 24"/>' +
        '<rect id="layer1" x="30.000" y="2.000" width="10" height="10" fill="#ff0000"/></svg>',
    );
    for (const result of await bothModes(input)) {
      const text = new TextDecoder().decode(result.data);
      assert.match(result.method, /verified by rendering/);
      assert.match(
        text,
        /<symbol id="icon-home" viewBox="0 0 24 24"><path d="M10 20v-6h4v6h5v-8h3L12 3 2 12z"\/>/,
      );
      assert.match(text, /<symbol id="icon-star"/);
      assert.match(text, /<view id="right-half"/);
      assert.doesNotMatch(text, /layer1/);
    }
  });
});
