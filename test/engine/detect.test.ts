import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { detectFormat, looksLikeSvg } from '../../src/engine/detect.js';

const pixels = () => sharp({ create: { width: 8, height: 8, channels: 4, background: '#f00a' } });

test('detects raster formats from their bytes', async () => {
  assert.equal(await detectFormat(await pixels().jpeg().toBuffer()), 'jpeg');
  assert.equal(await detectFormat(await pixels().png().toBuffer()), 'png');
  assert.equal(await detectFormat(await pixels().gif().toBuffer()), 'gif');
  assert.equal(await detectFormat(await pixels().webp().toBuffer()), 'webp');
  assert.equal(await detectFormat(await pixels().avif().toBuffer()), 'avif');
});

test('ignores names and refuses what it does not read', async () => {
  assert.equal(await detectFormat(await pixels().tiff().toBuffer()), undefined);
  assert.equal(await detectFormat(Buffer.from('%PDF-1.4 not an image')), undefined);
  assert.equal(await detectFormat(Buffer.from('<html><body>hi</body></html>')), undefined);
  assert.equal(await detectFormat(new Uint8Array(0)), undefined);
  const png = await pixels().png().toBuffer();
  png[1] = 0x51; // broken signature, as in PngSuite xs1n0g01
  assert.equal(await detectFormat(png), undefined);
});

test('detects SVG behind a prolog, comments, a DOCTYPE subset and a BOM', async () => {
  const svg = (s: string) => detectFormat(Buffer.from(s));
  assert.equal(await svg('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'svg');
  assert.equal(await svg('\ufeff<?xml version="1.0"?>\n<!-- made by hand -->\n<svg width="1"></svg>'), 'svg');
  assert.equal(
    await svg(
      '<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd" [<!ENTITY ns_svg "http://www.w3.org/2000/svg"> <!ENTITY a "<b>">]>\n<svg xmlns="&ns_svg;"/>',
    ),
    'svg',
  );
  assert.equal(await svg('<svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>'), 'svg');
  assert.equal(await svg('<?xml version="1.0"?><html/>'), undefined);
  const utf16 = Buffer.from('\ufeff<?xml version="1.0" encoding="UTF-16"?><svg/>', 'utf16le');
  assert.equal(await detectFormat(utf16), 'svg');
  assert.equal(looksLikeSvg(Buffer.from('<svgfoo/>')), false);
  assert.equal(looksLikeSvg(Buffer.from('<!-- never closed <svg/>')), false);
});
