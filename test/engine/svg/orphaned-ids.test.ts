import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasOrphanedIds } from '../../../src/engine/codecs/svg/orphaned-ids.js';
import { bothModes, bytes, renderScore } from './helpers.js';

/**
 * Inkscape's way with gradients: the stops live in a template gradient that the drawn gradient
 * points at. Here the only element drawn with it is hidden, so svgo removes the element and the
 * gradient it used, but counted the template as referenced before that and keeps it.
 */
const TEMPLATE_GRADIENT = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="64" viewBox="0 0 64 64">
  <defs>
    <linearGradient id="linearGradient3561"><stop offset="0" stop-color="#123456"/><stop offset="1" stop-color="#abcdef"/></linearGradient>
    <linearGradient id="linearGradient3570" xlink:href="#linearGradient3561" x1="0" y1="0" x2="10" y2="10" gradientUnits="userSpaceOnUse"/>
  </defs>
  <rect width="64" height="64" fill="#fc0"/>
  <rect width="10" height="10" fill="url(#linearGradient3570)" style="display:none"/>
  <circle cx="32" cy="32" r="20" fill="#06c"/>
</svg>
`;

describe('ids left unreferenced by an svgo pass', () => {
  it('are found in svgo output, references by url(), href and xlink:href counted', () => {
    assert.equal(hasOrphanedIds('<svg><linearGradient id="a"/><path fill="#fc0"/></svg>'), true);
    assert.equal(hasOrphanedIds('<svg><linearGradient id="a"/><path fill="url(#a)"/></svg>'), false);
    assert.equal(hasOrphanedIds('<svg><path id="a"/><use href="#a"/></svg>'), false);
    assert.equal(hasOrphanedIds('<svg><path id="a"/><use xlink:href="#a"/></svg>'), false);
    assert.equal(hasOrphanedIds('<svg><path id="b"/><use href="#bb"/></svg>'), true);
    assert.equal(
      hasOrphanedIds('<svg><title id="t"/><path aria-labelledby="t"/></svg>', new Set(['t'])),
      false,
    );
    assert.equal(hasOrphanedIds('<svg><path d="M0 0h1"/></svg>'), false);
  });

  it('are removed by another pass, in lossless and lossy mode, and the document renders the same', async () => {
    const input = bytes(TEMPLATE_GRADIENT);
    for (const result of await bothModes(input)) {
      const text = new TextDecoder().decode(result.data);
      assert.doesNotMatch(text, /linearGradient|#123456|#abcdef/, text);
      assert.equal(hasOrphanedIds(text), false);
      assert.match(result.method, /verified by rendering/);
      assert.ok((await renderScore(input, result.data)) >= 90);
    }
  });

  it('are removed too when the input had a style sheet that svgo moved into the elements', async () => {
    const input = bytes(TEMPLATE_GRADIENT.replace('<defs>', '<style>circle{opacity:.9}</style><defs>'));
    for (const result of await bothModes(input)) {
      const text = new TextDecoder().decode(result.data);
      assert.doesNotMatch(text, /<style|linearGradient/, text);
      assert.ok((await renderScore(input, result.data)) >= 90);
    }
  });
});
