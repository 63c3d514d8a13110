import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { EMBEDDED_DATA_SHARE, embeddedDataShare } from '../../../src/engine/codecs/svg/embedded-data.js';
import { bothModes, bytes } from './helpers.js';

/** A path with more decimals than any rung keeps: the preset would round it, the structural cleanup does not. */
const PRECISE_PATH = '<path d="M1.123456 1.123456L14.654321 1.123456L7.5 14.987654z" fill="#123456"/>';

/** A base64 PNG of noise (incompressible, so the data URI is most of the document). */
async function noisePngUri(side: number): Promise<string> {
  const pixels = Buffer.alloc(side * side * 3);
  let seed = 7;
  for (let i = 0; i < pixels.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    pixels[i] = seed >>> 24;
  }
  const png = await sharp(pixels, { raw: { width: side, height: side, channels: 3 } })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

function document(uri: string, extra = ''): string {
  return (
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">\n' +
    '  <!-- exported by an icon tool -->\n' +
    `  <metadata>made by hand</metadata>\n  ${extra}\n` +
    `  <image width="16" height="16" href="${uri}"/>\n  ${PRECISE_PATH}\n</svg>\n`
  );
}

describe('SVG documents made mostly of embedded data', () => {
  let uri: string;
  before(async () => {
    uri = await noisePngUri(48);
  });

  it('measures the share of data: URIs, in attributes and CSS, and not metadata: names', () => {
    assert.equal(embeddedDataShare('<svg><desc>metadata: none</desc></svg>'), 0);
    assert.equal(embeddedDataShare(''), 0);
    const attribute = '<image href="data:image/png;base64,AAAA"/>';
    assert.equal(embeddedDataShare(attribute), 'data:image/png;base64,AAAA'.length / attribute.length);
    const css = '<rect style="fill:url(\'data:image/gif;base64,R0lG\')"/>';
    assert.equal(embeddedDataShare(css), 'data:image/gif;base64,R0lG'.length / css.length);
  });

  it('get the structural cleanup alone, with no render, in lossless and lossy mode', async () => {
    const input = document(uri);
    assert.ok(embeddedDataShare(input) >= EMBEDDED_DATA_SHARE);
    for (const result of await bothModes(bytes(input))) {
      const text = new TextDecoder().decode(result.data);
      assert.match(result.method, /structural cleanup, not rendered/);
      assert.equal(result.lossless, true);
      assert.match(
        result.notes?.join('\n') ?? '',
        /embedded data \(data: URIs\) make up 9\d % of this document/,
      );
      assert.deepEqual([result.width, result.height], [16, 16]);
      assert.ok(text.includes(`href="${uri}"`), 'the embedded image is kept as it was');
      assert.ok(text.includes('M1.123456 1.123456L14.654321'), 'no coordinate is rounded');
      assert.doesNotMatch(text, /icon tool|made by hand|\n/);
      assert.ok(result.data.length < input.length);
    }
  });

  it('are sanitized all the same', async () => {
    const input = document(uri, '<script>alert(1)</script><rect width="1" height="1" onclick="steal()"/>');
    for (const result of await bothModes(bytes(input))) {
      const text = new TextDecoder().decode(result.data);
      assert.match(result.method, /not rendered/);
      assert.doesNotMatch(text, /script|alert|onclick|steal/);
      assert.equal(result.unsafeInput, true);
      assert.ok((result.notes?.length ?? 0) >= 2, 'the removals are noted');
    }
  });

  it('below the share, the markup is minified and checked by rendering as usual', async () => {
    const markup = Array.from({ length: 120 }, (_, i) =>
      PRECISE_PATH.replace('#123456', `#12${i % 10}456`),
    ).join('\n');
    const input = document(uri, markup);
    assert.ok(embeddedDataShare(input) < EMBEDDED_DATA_SHARE);
    for (const result of await bothModes(bytes(input))) {
      assert.match(result.method, /verified by rendering/);
    }
  });
});
