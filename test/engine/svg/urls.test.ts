import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyUrl, compactUrl, SCHEME_PREFIX_LENGTH } from '../../../src/engine/codecs/svg/urls.js';

/** compactUrl as specified, one character at a time: what the fast path must agree with. */
function compactSlowly(raw: string, limit = Number.POSITIVE_INFINITY): string {
  let out = '';
  for (const char of raw) {
    if (out.length >= limit) break;
    const code = char.charCodeAt(0);
    if (code > 0x20 && code !== 0x7f) out += char;
  }
  return out.toLowerCase();
}

describe('compactUrl', () => {
  it('drops whitespace and control characters and lower-cases, up to the limit', () => {
    assert.equal(compactUrl(' JaVa\tScRiPt:alert(1)', SCHEME_PREFIX_LENGTH), 'javascript:alert(1)');
    assert.equal(compactUrl('JAVASCRIPT:x'), 'javascript:x');
    assert.equal(compactUrl('ABCDEF', 3), 'abc');
    assert.equal(compactUrl('ab\u0000c\u007fdef', 3), 'abc');
    assert.equal(compactUrl(`${' '.repeat(40)}VBScript:x`, SCHEME_PREFIX_LENGTH), 'vbscript:x');
  });

  it('agrees with the one-character-at-a-time definition on mixed values', () => {
    const kept = ['a', 'B', ':', '#', 'é', '0', '.', '/'];
    const mixed = [...kept, ' ', '\t', '\n', '\u0001', '\u007f'];
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed >>> 16; // the high bits: an LCG's low bits repeat with a short period
    };
    for (let n = 0; n < 2000; n++) {
      // Half without a character to skip, so that the fast path meets every length around the limits.
      const pieces = n % 2 === 0 ? kept : mixed;
      const raw = Array.from({ length: next() % 48 }, () => pieces[next() % pieces.length]).join('');
      for (const limit of [1, 16, SCHEME_PREFIX_LENGTH, Number.POSITIVE_INFINITY]) {
        assert.equal(compactUrl(raw, limit), compactSlowly(raw, limit), JSON.stringify({ raw, limit }));
      }
    }
  });

  it('classifies schemes hidden by whitespace, case and control characters', () => {
    assert.equal(classifyUrl('java\u0009script:alert(1)'), 'script');
    assert.equal(classifyUrl(' #\ngradient'), 'local');
    assert.equal(classifyUrl('DATA:image/PNG;base64,AAAA'), 'data-image');
    assert.equal(classifyUrl('https://example.com/a.png'), 'external');
  });
});
