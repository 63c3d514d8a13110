/**
 * Conversions between the formats that matter, through optimize(): flattening, alpha kept,
 * animation kept or reduced to its first frame with a note, pixel-exact lossless outputs, the
 * smallest of a list, JPEG chroma subsampling.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { decodeGifFrames } from '../../../src/engine/decode/gif-frames.js';
import { DEFAULT_LIMITS } from '../../../src/engine/limits.js';
import type { TransformedImage } from '../../../src/engine/pipeline/index.js';
import { quantiserEffort } from '../../../src/engine/pipeline/output/encode-gif.js';
import { encodeOutput } from '../../../src/engine/pipeline/output/index.js';
import { assertSamePixels, countDifferentPixels, decodeRaw } from '../../helpers/pixels.js';
import { fixture, rgbOf, run, scoreAgainst } from './kit.js';

const transparentPng = fixture('pil-transparent.png'); // 200x150 RGBA, transparent corners
const flowerJpeg = fixture('pil-flower.jpg'); // 480x360 photo
const animatedGif = fixture('pil-dispose_bgnd.gif'); // 100x100, 5 frames of 1 s, loops forever

/** The sRGB colour of pixel (x, y) of an encoded image. */
async function pixelAt(bytes: Uint8Array, x: number, y: number): Promise<number[]> {
  const raw = await decodeRaw(bytes);
  const at = (y * raw.width + x) * raw.channels;
  return [...raw.data.subarray(at, at + raw.channels)];
}

/** Coordinates of a fully transparent pixel of the PNG fixture. */
async function transparentPixel(): Promise<[number, number]> {
  const raw = await decodeRaw(transparentPng);
  for (let i = 0; i < raw.width * raw.height; i++) {
    if (raw.data[i * 4 + 3] === 0) return [i % raw.width, Math.floor(i / raw.width)];
  }
  throw new Error('fixture has no transparent pixel');
}

describe('PNG with alpha to JPEG', () => {
  it('flattens onto white by default and looks like the PNG composited on white', async () => {
    const result = await run(transparentPng, { format: 'jpeg' });
    assert.equal(result.format, 'jpeg');
    assert.equal((await sharp(result.data).metadata()).format, 'jpeg');
    assert.deepEqual(
      [result.width, result.height, result.originalWidth, result.originalHeight],
      [200, 150, 200, 150],
    );
    const [x, y] = await transparentPixel();
    const [r, g, b] = await pixelAt(result.data, x, y);
    for (const sample of [r, g, b])
      assert.ok(sample! >= 250, `transparent pixel should be white, got ${[r, g, b]}`);
    const reference = await rgbOf(transparentPng, (s) => s.flatten({ background: '#ffffff' }));
    const score = await scoreAgainst(reference, result.data);
    // Lossless mode for JPEG is "visually lossless" (search at 90, estimated on tiles).
    assert.ok(score >= 85, `SSIMULACRA2 ${score} against the PNG on white`);
    assert.ok(result.notes.some((note) => /visually lossless/.test(note)));
  });

  it('flattens onto the plan background', async () => {
    const result = await run(transparentPng, { format: 'jpeg', background: '#ff0000' });
    const [x, y] = await transparentPixel();
    const [r, g, b] = await pixelAt(result.data, x, y);
    assert.ok(r! > 240 && g! < 20 && b! < 20, `expected red, got ${[r, g, b]}`);
  });
});

describe('alpha kept', () => {
  it('PNG to lossless WebP keeps every pixel, alpha included', async () => {
    const result = await run(transparentPng, { format: 'webp' });
    assert.equal(result.format, 'webp');
    assert.equal(result.lossless, true);
    assert.equal((await sharp(result.data).metadata()).hasAlpha, true);
    await assertSamePixels(transparentPng, result.data, 'webp');
  });

  it('PNG to lossy AVIF keeps alpha', async () => {
    const result = await run(transparentPng, { format: 'avif', lossy: true });
    assert.equal(result.format, 'avif');
    const meta = await sharp(result.data).metadata();
    assert.equal(meta.hasAlpha, true);
    const [x, y] = await transparentPixel();
    assert.equal((await pixelAt(result.data, x, y))[3], 0, 'transparent pixel stays transparent');
  });
});

describe('animation', () => {
  it('animated GIF to lossless WebP keeps frames, delays, loop and pixels', async () => {
    const result = await run(animatedGif, { format: 'webp' });
    assert.equal(result.format, 'webp');
    assert.equal(result.frames, 5);
    const meta = await sharp(result.data, { animated: true }).metadata();
    assert.equal(meta.pages, 5);
    assert.deepEqual(meta.delay, [1000, 1000, 1000, 1000, 1000]);
    assert.equal(meta.loop, 0);
    // Every frame as our GIF decoder composes it (libvips gets this file's disposal wrong).
    const gif = decodeGifFrames(animatedGif, { maxPixels: 1e8 });
    const webp = await decodeRaw(result.data);
    const expected = Buffer.concat(gif.frames.map((frame) => Buffer.from(frame.rgba)));
    const diff = countDifferentPixels({ ...webp, data: expected }, webp);
    assert.equal(diff, 0, `${diff} pixels differ over the 5 frames`);
  });

  it('lossy animated WebP: identical neighbouring frames merged by libwebp keep their time', async () => {
    // Frames A, A, B of 100 ms (crops of the flower photo): libwebp writes A for 200 ms, then B.
    const crop = async (left: number) =>
      sharp(flowerJpeg).extract({ left, top: 100, width: 160, height: 120 }).removeAlpha().raw().toBuffer();
    const [a, b] = await Promise.all([crop(100), crop(220)]);
    const image: TransformedImage = {
      data: new Uint8Array(Buffer.concat([a, a, b])),
      width: 160,
      height: 120,
      channels: 3,
      hasAlpha: false,
      frameCount: 3,
      delaysMs: [100, 100, 100],
      loopCount: 0,
      orientation: 1,
      geometry: { ops: [], width: 160, height: 120, enlarges: false },
      notes: [],
      unchanged: false,
    };
    const candidate = await encodeOutput(
      image,
      'webp',
      { lossy: true, target: 80, limits: DEFAULT_LIMITS },
      Date.now() + 60_000,
    );
    const meta = await sharp(candidate.data, { animated: true }).metadata();
    assert.equal(meta.pages, 2);
    assert.equal(candidate.frames, 2);
    assert.deepEqual(meta.delay, [200, 100]);
    assert.ok(candidate.score !== undefined && candidate.score >= 78, `score ${candidate.score}`);
  });

  it('lossy WebP of few colours is the lossless WebP when that is smaller', async () => {
    // Flat frames of 2 to 8 colours: lossy WebP at the default target took 8 776 bytes, lossless 1 510.
    const [lossy, lossless] = await Promise.all([
      run(animatedGif, { format: 'webp', lossy: true }),
      run(animatedGif, { format: 'webp' }),
    ]);
    assert.equal(lossy.lossless, true, lossy.method);
    assert.deepEqual(lossy.data, lossless.data);
    assert.ok(lossy.notes.some((note) => /lossless WebP is smaller than lossy/.test(note)));
    assert.equal((await sharp(lossy.data, { animated: true }).metadata()).pages, 5);
  });

  it('lossy WebP stays lossy when lossless is not smaller, animations at libwebp method 5', async () => {
    // 31 frames of 30 to 222 colours and soft edges: lossy about 5.3 kB, lossless 6.7 kB.
    const chi = new Uint8Array(readFileSync(new URL('../../fixtures/gif/pil-chi-anim.gif', import.meta.url)));
    const result = await run(chi, { format: 'webp', lossy: true });
    assert.equal(result.lossless, false, result.method);
    assert.match(result.method, /^webp q\d+ method 5$/);
  });

  it('lossy WebP of fine colour detail uses sharp YUV, a photo does not', async () => {
    // 1 px columns of red and blue (with grain, so that lossless WebP is no contender): 4:2:0
    // averages them to purple unless the conversion is sharp.
    const side = 128;
    const raw = Buffer.alloc(side * side * 3);
    let seed = 7;
    const grain = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 24) % 40;
    };
    for (let i = 0; i < side * side; i++) {
      raw.set(i % 2 ? [grain(), grain(), 215 + grain()] : [215 + grain(), grain(), grain()], i * 3);
    }
    const stripes = await sharp(raw, { raw: { width: side, height: side, channels: 3 } })
      .png()
      .toBuffer();
    const detailed = await run(stripes, { format: 'webp', lossy: true });
    assert.match(detailed.method, /^webp q\d+ method \d sharp-yuv$/);
    const photo = await run(flowerJpeg, { format: 'webp', lossy: true });
    assert.match(photo.method, /^webp q\d+ method \d$/);
  });

  it('animated GIF resized stays an animated GIF with its delays', async () => {
    const result = await run(animatedGif, { resize: { strategy: 'exact', width: 50, height: 40 } });
    assert.equal(result.format, 'gif');
    const meta = await sharp(result.data, { animated: true }).metadata();
    assert.deepEqual([meta.width, meta.pageHeight, meta.pages], [50, 40, 5]);
    assert.deepEqual(meta.delay, [1000, 1000, 1000, 1000, 1000]);
  });

  it('GIF palettes: the best libimagequant effort on small images, less as the pixels grow', () => {
    assert.equal(quantiserEffort(100 * 100 * 5), 10); // the animation above
    assert.equal(quantiserEffort(2 ** 21), 10);
    // 42 frames at 500x500: 9 s instead of 15 here, 0.03 % more bytes after gifsicle (encode-gif.ts)
    assert.equal(quantiserEffort(500 * 500 * 42), 7);
    // The same at 900x900: ran out of the 60 s job time at effort 10
    assert.equal(quantiserEffort(900 * 900 * 42), 4);
  });

  it('animated GIF to JPEG keeps the first frame and says so', async () => {
    const result = await run(animatedGif, { format: 'jpeg' });
    assert.equal(result.frames, 1);
    assert.ok(
      result.notes.some((note) => /first of 5 frames/.test(note)),
      result.notes.join('; '),
    );
    const first = decodeGifFrames(animatedGif, { maxPixels: 1e8 }).frames[0]!;
    const firstOnWhite = await sharp(Buffer.from(first.rgba), {
      raw: { width: 100, height: 100, channels: 4 },
    })
      .flatten({ background: '#ffffff' })
      .png()
      .toBuffer();
    const score = await scoreAgainst(await rgbOf(new Uint8Array(firstOnWhite)), result.data);
    assert.ok(score >= 85, `first frame SSIMULACRA2 ${score}`);
  });
});

describe('JPEG to PNG', () => {
  it('lossless PNG holds exactly the decoded JPEG pixels', async () => {
    const result = await run(flowerJpeg, { format: 'png' });
    assert.equal(result.format, 'png');
    assert.equal(result.lossless, true);
    await assertSamePixels(flowerJpeg, result.data, 'png');
    // An asked-for conversion is delivered even though the PNG is several times the JPEG.
    assert.ok(result.optimizedSize > result.originalSize);
    assert.notEqual(result.method, 'original');
  });
});

describe('PNG to GIF', () => {
  it('a palette PNG with transparency becomes a pixel-exact GIF', async () => {
    const png = fixture('pngsuite-tbbn3p08.png'); // 32x32, palette + tRNS
    const result = await run(png, { format: 'gif' });
    assert.equal(result.format, 'gif');
    assert.equal(result.lossless, true);
    await assertSamePixels(png, result.data, 'gif');
  });
});

describe('smallest of a list', () => {
  it('returns the smallest of the formats, each encoded as on its own', async () => {
    const formats = ['jpeg', 'webp', 'avif'] as const;
    const alone = await Promise.all(
      formats.map((format) => run(transparentPng, { format, lossy: true, quality: 70 })),
    );
    const chosen = await run(transparentPng, { format: [...formats], lossy: true, quality: 70 });
    const smallest = alone.reduce((a, b) => (b.optimizedSize < a.optimizedSize ? b : a));
    assert.equal(chosen.format, smallest.format);
    assert.equal(chosen.optimizedSize, smallest.optimizedSize);
    assert.ok(chosen.notes.some((note) => note.startsWith('smallest of')));
  });
});

describe('JPEG chroma subsampling', () => {
  const resize = { strategy: 'exact', width: 240, height: 180 } as const;
  for (const [asked, written] of [
    ['4:2:0', '4:2:0'],
    ['4:4:4', '4:4:4'],
    ['4:2:2', '4:4:4'],
  ] as const) {
    it(`${asked} is written as ${written}`, async () => {
      const result = await run(flowerJpeg, { lossy: true, chromaSubsampling: asked, resize });
      assert.equal((await sharp(result.data).metadata()).chromaSubsampling, written);
      if (asked !== written) assert.ok(result.notes.some((note) => note.includes('4:2:2')));
    });
  }
});
