/**
 * decodeSource: sRGB frames, orientation, animation timing, colour management against lcms.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { decodeGifFrames } from '../../../src/engine/decode/gif-frames.js';
import { DEFAULT_LIMITS } from '../../../src/engine/limits.js';
import { ssimulacra2 } from '../../../src/engine/metric/ssimulacra2.js';
import { frameAt } from '../../../src/engine/pipeline/frames.js';
import { decodeSource } from '../../../src/engine/pipeline/source.js';
import { readImageInfo } from '../../../src/engine/probe.js';
import { findTool } from '../../../src/engine/tools/run-tool.js';
import { isSquishError } from '../../../src/errors/index.js';
import { assertSameFrame, decode, fixture, fixturePath, rawOf, rgbOf } from './pipeline-test-kit.js';

const SRGB_ICC = '/usr/share/color/icc/sRGB.icc';
const ADOBE_ICC = '/usr/share/color/icc/compatibleWithAdobeRGB1998.icc';
const lcms =
  findTool('jpgicc') && existsSync(SRGB_ICC) && existsSync(ADOBE_ICC)
    ? false
    : 'needs jpgicc (liblcms2-utils) and icc-profiles-free';

const scratch = mkdtempSync(join(tmpdir(), 'squish-pipeline-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** lcms's conversion of a JPEG file to sRGB (jpgicc at quality 100), decoded without colour management. */
async function jpgiccReference(input: string, extraArgs: string[] = []) {
  const out = join(scratch, `ref-${Math.random().toString(36).slice(2)}.jpg`);
  execFileSync('jpgicc', ['-q100', ...extraArgs, `-o${SRGB_ICC}`, input, out], { stdio: 'pipe' });
  return rgbOf(await rawOf(sharp(readFileSync(out), { ignoreIcc: true }).toColourspace('srgb')));
}

test('a JPEG: RGB frame, orientation read, no ICC', async () => {
  const source = await decode(fixture('orient-Landscape_6.jpg'), 'jpeg');
  assert.equal(`${source.width}x${source.height}`, '1200x1800', 'stored size, not rotated');
  assert.equal(source.orientation, 6);
  assert.equal(source.channels, 3);
  assert.equal(source.hasAlpha, false);
  assert.equal(source.frameCount, 1);
  assert.deepEqual(source.delaysMs, [0]);
  assert.equal(source.loopCount, undefined);
  assert.equal(source.data.length, 1200 * 1800 * 3);
});

test('a PNG with alpha keeps it', async () => {
  const source = await decode(fixture('pil-transparent.png'), 'png');
  assert.equal(source.channels, 4);
  assert.equal(source.hasAlpha, true);
  assert.equal(source.orientation, 1);
  const expected = await rawOf(sharp(fixture('pil-transparent.png')).ensureAlpha());
  assertSameFrame(frameAt(source, 0), expected, 'pil-transparent.png');
});

test('a GIF with disposal=background: every frame as decodeGifFrames composes it, delays and loop', async () => {
  const bytes = fixture('pil-dispose_bgnd.gif');
  const source = await decode(bytes, 'gif');
  const gif = decodeGifFrames(bytes);
  assert.equal(source.frameCount, 5);
  assert.deepEqual(source.delaysMs, [1000, 1000, 1000, 1000, 1000]);
  assert.equal(source.loopCount, 0);
  assert.equal(source.channels, 4, 'disposal to background leaves transparent pixels');
  gif.frames.forEach((frame, i) => {
    assertSameFrame(
      frameAt(source, i),
      { data: frame.rgba, width: 100, height: 100, channels: 4 },
      `frame ${i}`,
    );
  });
});

test('loop counts are times to play: a GIF that repeats twice plays 3 times, one without a loop once', async () => {
  const gif = decodeGifFrames(fixture('pil-dispose_bgnd.gif'));
  const stacked = Buffer.concat(gif.frames.map((frame) => frame.rgba));
  const raw = { raw: { width: 100, height: 500, channels: 4 as const, pageHeight: 100 } };
  for (const plays of [3, 1, 0]) {
    const bytes = await sharp(stacked, raw).gif({ loop: plays }).toBuffer();
    const netscape = decodeGifFrames(bytes).loopCount;
    const source = await decode(bytes, 'gif');
    assert.equal(source.loopCount, plays, `written to play ${plays} times (NETSCAPE ${netscape})`);
  }
});

test('an animated WebP: every frame, delays and loop count', async () => {
  const gif = decodeGifFrames(fixture('pil-dispose_bgnd.gif'));
  const stacked = Buffer.concat(gif.frames.map((frame) => frame.rgba));
  const webp = await sharp(stacked, { raw: { width: 100, height: 500, channels: 4, pageHeight: 100 } })
    .webp({ lossless: true, delay: [100, 200, 300, 400, 500], loop: 3 })
    .toBuffer();
  const source = await decode(webp, 'webp');
  assert.equal(source.frameCount, 5);
  assert.deepEqual(source.delaysMs, [100, 200, 300, 400, 500]);
  assert.equal(source.loopCount, 3);
  assert.equal(`${source.width}x${source.height}`, '100x100');
  for (let i = 0; i < 5; i++) {
    const expected = await rawOf(
      sharp(gif.frames[i]!.rgba, { raw: { width: 100, height: 100, channels: 4 } }),
    );
    const actual = frameAt(source, i);
    // Lossless WebP may store any colour under alpha 0: compare visible pixels only.
    let differ = 0;
    for (let p = 0; p < actual.data.length; p += 4) {
      if (actual.data[p + 3] === 0 && expected.data[p + 3] === 0) continue;
      for (let c = 0; c < 4; c++) if (actual.data[p + c] !== expected.data[p + c]) differ++;
    }
    assert.equal(differ, 0, `frame ${i}`);
  }
});

test('Adobe RGB JPEG comes out as lcms converts it to sRGB', { skip: lcms }, async () => {
  const adobe = join(scratch, 'flower-adobe.jpg');
  await sharp(fixture('pil-flower.jpg'))
    .withIccProfile(ADOBE_ICC)
    .jpeg({ quality: 95, chromaSubsampling: '4:4:4' })
    .toFile(adobe);
  const bytes = readFileSync(adobe);
  const source = await decode(bytes, 'jpeg');
  assert.ok(source.icc && source.icc.length > 0, 'the input profile is reported');
  const reference = await jpgiccReference(adobe);
  const score = await ssimulacra2(reference, rgbOf(frameAt(source, 0)));
  assert.ok(score >= 90, `SSIMULACRA2 ${score.toFixed(1)} against jpgicc`);
  // Control: the same pixels read as if they were sRGB are visibly off, so the check can fail.
  const unmanaged = rgbOf(await rawOf(sharp(bytes, { ignoreIcc: true }).toColourspace('srgb')));
  const unmanagedScore = await ssimulacra2(reference, unmanaged);
  assert.ok(
    unmanagedScore < score - 3,
    `unmanaged ${unmanagedScore.toFixed(1)} vs managed ${score.toFixed(1)}`,
  );
});

const GS_ICC = '/usr/share/color/icc/ghostscript';
const gsProfiles = existsSync(`${GS_ICC}/default_cmyk.icc`)
  ? false
  : "needs Debian libgs-common's CMYK profiles";

test('a 16-bit PNG with a profile is converted to 8-bit sRGB, not left in the P3 working space', async () => {
  const original = rgbOf(await rawOf(sharp(fixture('pil-flower.jpg'))));
  const adobe16 = await sharp(fixture('pil-flower.jpg'))
    .toColourspace('rgb16')
    .withIccProfile(existsSync(ADOBE_ICC) ? ADOBE_ICC : 'p3')
    .png()
    .toBuffer();
  assert.equal((await sharp(adobe16).metadata()).depth, 'ushort');
  const source = await decode(adobe16, 'png');
  const score = await ssimulacra2(original, rgbOf(frameAt(source, 0)));
  assert.ok(score >= 95, `back to the sRGB original: ${score.toFixed(1)}`);
  // Control: converting to sRGB by colourspace alone leaves the P3-processed values.
  const naive = rgbOf(await rawOf(sharp(adobe16).toColourspace('srgb').raw({ depth: 'uchar' })));
  const naiveScore = await ssimulacra2(original, naive);
  assert.ok(naiveScore < 90, `colourspace only: ${naiveScore.toFixed(1)}`);
});

test('CMYK JPEGs with an embedded profile come out as lcms converts them (perceptual, BPC)', {
  skip: lcms || gsProfiles,
}, async () => {
  for (const profile of ['default_cmyk.icc', 'ps_cmyk.icc']) {
    const path = join(scratch, `flower-${profile}.jpg`);
    await sharp(fixture('pil-flower.jpg'))
      .withIccProfile(`${GS_ICC}/${profile}`)
      .jpeg({ quality: 95, chromaSubsampling: '4:4:4' })
      .toFile(path);
    const bytes = readFileSync(path);
    assert.equal((await sharp(bytes).metadata()).space, 'cmyk');
    const source = await decode(bytes, 'jpeg');
    const reference = await jpgiccReference(path, ['-b']);
    const score = await ssimulacra2(reference, rgbOf(frameAt(source, 0)));
    assert.ok(score >= 90, `${profile}: SSIMULACRA2 ${score.toFixed(1)} against jpgicc -b`);
    if (profile === 'default_cmyk.icc') {
      // Control: the path used for untagged CMYK lands elsewhere on this profile.
      const other = rgbOf(await rawOf(sharp(bytes).pipelineColourspace('srgb').toColourspace('srgb')));
      const otherScore = await ssimulacra2(reference, other);
      assert.ok(otherScore < 90, `pipelineColourspace path ${otherScore.toFixed(1)}`);
    }
  }
});

test('CMYK JPEG without a profile: lcms with libvips default CMYK profile agrees', {
  skip: lcms,
}, async () => {
  const input = fixturePath('pil-sample_cmyk.jpg');
  const source = await decode(fixture('pil-sample_cmyk.jpg'), 'jpeg');
  assert.equal(source.channels, 3);
  // The profile libvips assumes for untagged CMYK, handed to lcms as the input profile.
  const tagged = await sharp(input).toColourspace('cmyk').withIccProfile('cmyk').jpeg().toBuffer();
  const cmykProfile = join(scratch, 'libvips-cmyk.icc');
  writeFileSync(cmykProfile, (await sharp(tagged).metadata()).icc!);
  const reference = await jpgiccReference(input, [`-i${cmykProfile}`]);
  const score = await ssimulacra2(reference, rgbOf(frameAt(source, 0)));
  assert.ok(score >= 90, `SSIMULACRA2 ${score.toFixed(1)} against jpgicc`);
  // Control: sharp's default CMYK path (not used) lands far from lcms.
  const sharpDefault = rgbOf(await rawOf(sharp(input).toColourspace('srgb')));
  const defaultScore = await ssimulacra2(reference, sharpDefault);
  assert.ok(defaultScore < 90, `sharp default path ${defaultScore.toFixed(1)}`);
});

test('an SVG is rasterized at 72 dpi, or at the density asked', async () => {
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect x="10" y="10" width="20" height="10" fill="#f00"/></svg>',
  );
  const info = await readImageInfo(svg, 'svg');
  const plain = await decodeSource(svg, info, DEFAULT_LIMITS);
  assert.equal(`${plain.width}x${plain.height}`, '40x30');
  assert.equal(plain.channels, 4);
  assert.deepEqual(
    [...frameAt(plain, 0).data.subarray((15 * 40 + 15) * 4, (15 * 40 + 15) * 4 + 4)],
    [255, 0, 0, 255],
  );
  assert.equal(frameAt(plain, 0).data[3], 0, 'transparent outside the rect');
  const dense = await decodeSource(svg, info, DEFAULT_LIMITS, { density: 144 });
  assert.equal(`${dense.width}x${dense.height}`, '80x60');
});

test('limits and corrupt data give typed errors', async () => {
  const gif = fixture('pil-dispose_bgnd.gif');
  await assert.rejects(decode(gif, 'gif', { ...DEFAULT_LIMITS, maxFrames: 2 }), (error: unknown) => {
    return isSquishError(error) && error.code === 'TOO_MANY_FRAMES';
  });
  await assert.rejects(
    decode(gif, 'gif', { ...DEFAULT_LIMITS, maxPixels: 100 * 100 * 4 }),
    (error: unknown) => {
      return isSquishError(error) && error.code === 'TOO_MANY_PIXELS';
    },
  );
  const jpeg = fixture('pil-flower.jpg');
  const truncated = jpeg.subarray(0, jpeg.length / 2);
  await assert.rejects(decode(truncated, 'jpeg'), (error: unknown) => {
    return isSquishError(error) && error.code === 'CORRUPT_IMAGE';
  });
});
