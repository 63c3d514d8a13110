/**
 * applyTransforms on real images: sizes, the region kept (against sharp's extract of the file),
 * padding and flattening colours, orientation, smart cropping and animations.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { decodeGifFrames } from '../../../src/engine/decode/gif-frames.js';
import { DEFAULT_LIMITS } from '../../../src/engine/limits.js';
import { ssimulacra2 } from '../../../src/engine/metric/ssimulacra2.js';
import { frameAt } from '../../../src/engine/pipeline/frames.js';
import type { Region } from '../../../src/engine/pipeline/geometry.js';
import type { SourceImage } from '../../../src/engine/pipeline/source.js';
import { animationOptions, framesToSharp } from '../../../src/engine/pipeline/to-sharp.js';
import { applyTransforms, type TransformOptions } from '../../../src/engine/pipeline/transform.js';
import { isSquishError } from '../../../src/errors/index.js';
import { parseColour } from '../../../src/plan/colour.js';
import { parseResize } from '../../../src/plan/resize.js';
import { assertSameFrame, decode, fixture, pixel, rawOf, rgbOf } from './pipeline-test-kit.js';

const MAX = DEFAULT_LIMITS.maxOutputDimension;

async function transform(
  source: SourceImage,
  resize?: Record<string, unknown>,
  extra: Partial<TransformOptions> = {},
) {
  return applyTransforms(source, {
    autoOrient: false,
    maxOutputDimension: MAX,
    ...(resize ? { resize: parseResize(resize) } : {}),
    ...extra,
  });
}

const flowerBytes = fixture('pil-flower.jpg'); // 480x360
const flower = await decode(flowerBytes, 'jpeg');
/** The flower's pixels cut by sharp straight from the file: the independent reference. */
const flowerRegion = (region: Region) => rawOf(sharp(flowerBytes).extract(region));

describe('sizes of every strategy on a 480x360 photo', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ strategy: 'none' }, '480x360'],
    [{ strategy: 'exact', width: 100, height: 300 }, '100x300'],
    [{ strategy: 'landscape', width: 240 }, '240x180'],
    [{ strategy: 'landscape', width: 960 }, '480x360'],
    [{ strategy: 'portrait', height: 90 }, '120x90'],
    [{ strategy: 'portrait', height: 720 }, '480x360'],
    [{ strategy: 'auto', width: 200, height: 200 }, '200x150'],
    [{ strategy: 'auto', width: 1000, height: 1000 }, '480x360'],
    [{ strategy: 'fit', width: 200, height: 200 }, '200x200'],
    [{ strategy: 'fit', width: 960, height: 100 }, '960x100'],
    [{ strategy: 'crop', width: 200, height: 100 }, '200x100'],
    [{ strategy: 'crop', rect: { x: 400, y: 300, width: 200, height: 200 } }, '80x60'],
    [{ strategy: 'square', size: 64 }, '64x64'],
    [{ strategy: 'fill', width: 200, height: 300 }, '200x300'],
  ];
  for (const [step, expected] of cases) {
    test(JSON.stringify(step), async () => {
      const out = await transform(flower, step);
      assert.equal(`${out.width}x${out.height}`, expected);
      assert.equal(out.data.length, out.width * out.height * out.channels);
      assert.equal(out.frameCount, 1);
    });
  }
});

describe('scaled outputs look like sharp resizing the file', () => {
  const cases: [Record<string, unknown>, number, number][] = [
    [{ strategy: 'exact', width: 200, height: 300 }, 200, 300],
    [{ strategy: 'landscape', width: 240 }, 240, 180],
    [{ strategy: 'portrait', height: 120 }, 160, 120],
    [{ strategy: 'auto', width: 200, height: 200 }, 200, 150],
  ];
  for (const [step, width, height] of cases) {
    test(`${step.strategy} ${width}x${height}`, async () => {
      const out = await transform(flower, step);
      const reference = await rawOf(sharp(flowerBytes).resize(width, height, { fit: 'fill' }));
      const score = await ssimulacra2(rgbOf(reference), rgbOf(frameAt(out, 0)));
      assert.ok(score > 90, `${step.strategy}: ${score.toFixed(1)}`);
    });
  }
});

describe('the region kept, against sharp extract of the file', () => {
  const gravities: Record<string, [number, number]> = {
    northwest: [0, 0],
    northeast: [280, 0],
    southwest: [0, 160],
    southeast: [280, 160],
    center: [140, 80],
  };
  for (const [gravity, [left, top]] of Object.entries(gravities)) {
    test(`crop 200x200 at ${gravity}`, async () => {
      const out = await transform(flower, { strategy: 'crop', width: 200, height: 200, gravity });
      assertSameFrame(frameAt(out, 0), await flowerRegion({ left, top, width: 200, height: 200 }), gravity);
    });
  }

  test('explicit rect, then scale 50 %', async () => {
    const region = { left: 40, top: 30, width: 200, height: 120 };
    const out = await transform(flower, {
      strategy: 'crop',
      rect: { x: 40, y: 30, width: 200, height: 120 },
    });
    assertSameFrame(frameAt(out, 0), await flowerRegion(region), 'rect');
    const scaled = await transform(flower, {
      strategy: 'crop',
      rect: { x: 40, y: 30, width: 200, height: 120 },
      scale: 50,
    });
    assert.equal(`${scaled.width}x${scaled.height}`, '100x60');
    const reference = await rawOf(sharp(flowerBytes).extract(region).resize(100, 60, { fit: 'fill' }));
    const score = await ssimulacra2(rgbOf(reference), rgbOf(frameAt(scaled, 0)));
    assert.ok(score > 95, `scaled crop vs sharp extract+resize: ${score.toFixed(1)}`);
  });

  test('square keeps the centred square', async () => {
    const out = await transform(flower, { strategy: 'square', size: 360 });
    assertSameFrame(
      frameAt(out, 0),
      await flowerRegion({ left: 60, top: 0, width: 360, height: 360 }),
      'square',
    );
    const small = await transform(flower, { strategy: 'square', size: 90 });
    const reference = await rawOf(
      sharp(flowerBytes).extract({ left: 60, top: 0, width: 360, height: 360 }).resize(90, 90),
    );
    const score = await ssimulacra2(rgbOf(reference), rgbOf(frameAt(small, 0)));
    assert.ok(score > 90, `square 90 vs sharp: ${score.toFixed(1)}`);
  });

  test('fit keeps the covering scale cut at the gravity', async () => {
    // 480x360 covering 360x90 -> 360x270, cut at north: the top 90 rows.
    const out = await transform(flower, { strategy: 'fit', width: 360, height: 90, gravity: 'north' });
    const reference = await rawOf(
      sharp(flowerBytes).resize(360, 270).extract({ left: 0, top: 0, width: 360, height: 90 }),
    );
    const score = await ssimulacra2(rgbOf(reference), rgbOf(frameAt(out, 0)));
    assert.ok(score > 90, `fit north vs sharp: ${score.toFixed(1)}`);
    const south = await transform(flower, { strategy: 'fit', width: 360, height: 90, gravity: 'south' });
    const wrong = await ssimulacra2(rgbOf(reference), rgbOf(frameAt(south, 0)));
    assert.ok(wrong < 50, `south is another region: ${wrong.toFixed(1)}`);
  });
});

describe('fill and flatten colours', () => {
  test('fill pads with the step background, else the plan background, else white', async () => {
    const red = await transform(flower, { strategy: 'fill', width: 200, height: 200, background: '#ff0000' });
    const frame = frameAt(red, 0);
    // 480x360 -> 200x150, padded 25 rows above and below.
    assert.deepEqual(pixel(frame, 100, 0), [255, 0, 0]);
    assert.deepEqual(pixel(frame, 0, 24), [255, 0, 0]);
    assert.deepEqual(pixel(frame, 199, 199), [255, 0, 0]);
    assert.notDeepEqual(pixel(frame, 100, 100), [255, 0, 0]);
    const white = await transform(flower, { strategy: 'fill', width: 200, height: 200 });
    assert.deepEqual(pixel(frameAt(white, 0), 100, 0), [255, 255, 255]);
    const planColour = await transform(
      flower,
      { strategy: 'fill', width: 200, height: 200 },
      { background: parseColour('rgb(0, 128, 0)', 'background') },
    );
    assert.deepEqual(pixel(frameAt(planColour, 0), 100, 199), [0, 128, 0]);
  });

  test('a translucent flatten colour is laid over white first', async () => {
    const source = await decode(fixture('pil-transparent.png'), 'png');
    const out = await transform(source, undefined, {
      flattenOnto: parseColour('rgba(0, 0, 255, 0.5)', 'background'),
    });
    const before = frameAt(source, 0);
    let checked = 0;
    for (let i = 0; i < source.width * source.height && checked < 100; i++) {
      if (before.data[i * 4 + 3] !== 0) continue;
      assert.deepEqual([...out.data.subarray(i * 3, i * 3 + 3)], [128, 128, 255]);
      checked++;
    }
    assert.equal(checked, 100);
  });

  test('transparent padding adds an alpha channel', async () => {
    const out = await transform(flower, {
      strategy: 'fill',
      width: 200,
      height: 200,
      background: 'transparent',
    });
    assert.equal(out.channels, 4);
    assert.equal(pixel(frameAt(out, 0), 100, 0)[3], 0);
    assert.equal(pixel(frameAt(out, 0), 100, 100)[3], 255);
  });

  test('flattening puts the colour where the image was transparent and keeps opaque pixels', async () => {
    const source = await decode(fixture('pil-transparent.png'), 'png');
    const blue = parseColour('#0000ff', 'background');
    const out = await transform(source, undefined, { flattenOnto: blue });
    assert.equal(out.channels, 3);
    assert.equal(out.hasAlpha, false);
    assert.equal(out.unchanged, false);
    const before = frameAt(source, 0);
    const after = frameAt(out, 0);
    let transparent = 0;
    let opaque = 0;
    for (let y = 0; y < source.height; y++) {
      for (let x = 0; x < source.width; x++) {
        const [r, g, b, a] = pixel(before, x, y);
        if (a === 0) {
          transparent++;
          assert.deepEqual(pixel(after, x, y), [0, 0, 255], `transparent pixel ${x},${y}`);
        } else if (a === 255) {
          opaque++;
          assert.deepEqual(pixel(after, x, y), [r, g, b], `opaque pixel ${x},${y}`);
        }
      }
    }
    assert.ok(transparent > 1000 && opaque > 1000, `${transparent} transparent, ${opaque} opaque pixels`);
  });
});

describe('orientation', () => {
  const landscape = fixture('orient-Landscape_6.jpg');

  test('autoOrient turns the pixels upright and reports orientation 1', async () => {
    const source = await decode(landscape, 'jpeg');
    const out = await transform(source, undefined, { autoOrient: true });
    assert.equal(`${out.width}x${out.height}`, '1800x1200');
    assert.equal(out.orientation, 1);
    assertSameFrame(frameAt(out, 0), await rawOf(sharp(landscape).autoOrient()), 'Landscape_6');
  });

  test('without autoOrient and resize, pixels and tag stay as stored', async () => {
    const source = await decode(landscape, 'jpeg');
    const out = await transform(source);
    assert.equal(`${out.width}x${out.height}`, '1200x1800');
    assert.equal(out.orientation, 6);
    assert.equal(out.data.buffer, source.data.buffer, 'the very same pixels');
    assert.equal(out.unchanged, true);
    const turned = await transform(source, undefined, { autoOrient: true });
    assert.equal(turned.unchanged, false);
  });

  test('a resize is computed on the displayed size and comes out upright', async () => {
    const source = await decode(landscape, 'jpeg');
    const out = await transform(source, { strategy: 'landscape', width: 300 });
    assert.equal(`${out.width}x${out.height}`, '300x200');
    assert.equal(out.orientation, 1);
    const reference = await rawOf(sharp(landscape).autoOrient().resize(300, 200));
    const score = await ssimulacra2(rgbOf(reference), rgbOf(frameAt(out, 0)));
    assert.ok(score > 90, `vs sharp autoOrient+resize: ${score.toFixed(1)}`);
  });

  test('all 8 orientations match sharp autoOrient', async () => {
    const base = sharp(flowerBytes).resize(60, 40);
    for (let orientation = 1; orientation <= 8; orientation++) {
      const tagged = await base.clone().jpeg({ quality: 95 }).withMetadata({ orientation }).toBuffer();
      const source = await decode(tagged, 'jpeg');
      assert.equal(source.orientation, orientation);
      const out = await transform(source, undefined, { autoOrient: true });
      assertSameFrame(frameAt(out, 0), await rawOf(sharp(tagged).autoOrient()), `orientation ${orientation}`);
    }
  });
});

describe('content-aware cropping', () => {
  // A flat grey field with one saturated object near the bottom-right corner.
  const object = { left: 500, top: 320, width: 60, height: 50 };
  const scene = sharp({ create: { width: 640, height: 400, channels: 3, background: '#7f7f7f' } })
    .composite([
      {
        input: { create: { width: object.width, height: object.height, channels: 3, background: '#ff2020' } },
        left: object.left,
        top: object.top,
      },
    ])
    .png()
    .toBuffer()
    .then((png) => decode(png, 'png'));
  const redPixels = (frame: ReturnType<typeof frameAt>) => {
    let count = 0;
    for (let i = 0; i < frame.data.length; i += frame.channels) {
      if (frame.data[i]! > 200 && frame.data[i + 1]! < 80) count++;
    }
    return count;
  };

  test('crop with attention keeps the whole object at full scale', async () => {
    const source = await scene;
    const out = await transform(source, { strategy: 'crop', width: 160, height: 160, gravity: 'attention' });
    assert.equal(`${out.width}x${out.height}`, '160x160');
    assert.equal(redPixels(frameAt(out, 0)), object.width * object.height);
    const centre = await transform(source, { strategy: 'crop', width: 160, height: 160 });
    assert.equal(redPixels(frameAt(centre, 0)), 0, 'control: the centre crop misses it');
  });

  test('fit with attention and entropy keep the object after scaling', async () => {
    const source = await scene;
    for (const gravity of ['attention', 'entropy']) {
      // 640x400 covering 200x200 -> 320x200 (scale 1/2): the object becomes 30x25.
      const out = await transform(source, { strategy: 'fit', width: 200, height: 200, gravity });
      assert.ok(
        redPixels(frameAt(out, 0)) >= 28 * 23,
        `${gravity}: ${redPixels(frameAt(out, 0))} red pixels`,
      );
    }
  });
});

describe('animations', () => {
  const gifBytes = fixture('pil-dispose_bgnd.gif');
  const gif = decodeGifFrames(gifBytes);

  test('every frame, delay and the loop count survive a resize; frames equal the decoded frames resized', async () => {
    const source = await decode(gifBytes, 'gif');
    const out = await transform(source, { strategy: 'fit', width: 50, height: 40, gravity: 'north' });
    assert.equal(out.frameCount, 5);
    assert.deepEqual(out.delaysMs, [1000, 1000, 1000, 1000, 1000]);
    assert.equal(out.loopCount, 0);
    assert.equal(`${out.width}x${out.height}`, '50x40');
    for (let i = 0; i < 5; i++) {
      const reference = await rawOf(
        sharp(gif.frames[i]!.rgba, { raw: { width: 100, height: 100, channels: 4 } })
          .resize(50, 50, { fit: 'fill' })
          .extract({ left: 0, top: 0, width: 50, height: 40 }),
      );
      assertSameFrame(frameAt(out, i), reference, `frame ${i}`);
    }
  });

  test('framesToSharp + animationOptions: an animated WebP of the output plays the same frames and times', async () => {
    const source = await decode(gifBytes, 'gif');
    const out = await transform(source, { strategy: 'square', size: 40 });
    const webp = await framesToSharp(out)
      .webp({ lossless: true, ...animationOptions(out) })
      .toBuffer();
    const back = await decode(webp, 'webp');
    assert.equal(back.frameCount, 5);
    assert.deepEqual(back.delaysMs, out.delaysMs);
    assert.equal(back.loopCount, 0);
    for (let i = 0; i < 5; i++) {
      const a = frameAt(back, i);
      const b = frameAt(out, i);
      let differ = 0;
      for (let p = 0; p < a.data.length; p += 4) {
        if (a.data[p + 3] === 0 && b.data[p + 3] === 0) continue;
        for (let c = 0; c < 4; c++) if (a.data[p + c] !== b.data[p + c]) differ++;
      }
      assert.equal(differ, 0, `frame ${i}`);
    }
  });

  test('a smart crop cuts every frame at the same place', async () => {
    const source = await decode(gifBytes, 'gif');
    const out = await transform(source, { strategy: 'crop', width: 50, height: 50, gravity: 'entropy' });
    const extract = out.geometry.ops[0];
    assert.equal(extract?.op, 'smartCrop');
    assert.equal(out.frameCount, 5);
    // Find the region frame 0 was cut from, then check every frame was cut there too.
    const frame0 = frameAt(out, 0);
    const full = (i: number) => ({
      data: gif.frames[i]!.rgba,
      width: 100,
      height: 100,
      channels: 4 as const,
    });
    let region: Region | undefined;
    for (let top = 0; top <= 50 && !region; top++) {
      for (let left = 0; left <= 50 && !region; left++) {
        const candidate = { left, top, width: 50, height: 50 };
        if (sameBytes(cut(full(0), candidate).data, frame0.data)) region = candidate;
      }
    }
    assert.ok(region, 'frame 0 is a 50x50 cut of the decoded frame');
    for (let i = 1; i < 5; i++) {
      assertSameFrame(frameAt(out, i), cut(full(i), region), `frame ${i}`);
    }
  });

  test('firstFrameOnly keeps one frame and says so', async () => {
    const source = await decode(gifBytes, 'gif');
    const out = await transform(
      source,
      { strategy: 'none' },
      { firstFrameOnly: true, flattenOnto: { r: 255, g: 255, b: 255, alpha: 1 } },
    );
    assert.equal(out.frameCount, 1);
    assert.equal(out.channels, 3);
    assert.equal(out.loopCount, undefined);
    assert.match(out.notes.join(' '), /first of 5 frames/);
  });
});

describe('errors and reuse', () => {
  test('an output over the limit is OUTPUT_TOO_LARGE naming the size', async () => {
    await assert.rejects(
      transform(flower, { strategy: 'exact', width: 5000, height: 10 }, { maxOutputDimension: 4096 }),
      (error: unknown) =>
        isSquishError(error) && error.code === 'OUTPUT_TOO_LARGE' && /5000x10/.test(error.message),
    );
  });

  test('a crop rect outside the image names the option of the output', async () => {
    await assert.rejects(
      transform(
        flower,
        { strategy: 'crop', rect: { x: 500, y: 0, width: 10, height: 10 } },
        { optionName: 'outputs[1].resize' },
      ),
      (error: unknown) =>
        isSquishError(error) &&
        error.code === 'INVALID_OPTION' &&
        error.message.includes('`outputs[1].resize.rect`'),
    );
  });

  test('past the deadline: PROCESSING_TIMEOUT', async () => {
    await assert.rejects(
      transform(flower, { strategy: 'square', size: 10 }, { deadline: Date.now() - 1 }),
      (error: unknown) => isSquishError(error) && error.code === 'PROCESSING_TIMEOUT',
    );
  });

  test('one source, several outputs: the source is left untouched', async () => {
    const source = await decode(fixture('orient-Landscape_6.jpg'), 'jpeg');
    const copy = source.data.slice();
    const outputs = await Promise.all([
      transform(source, { strategy: 'square', size: 100 }),
      transform(source, { strategy: 'landscape', width: 240 }),
      transform(source, { strategy: 'fill', width: 100, height: 300 }),
    ]);
    assert.deepEqual(
      outputs.map((out) => `${out.width}x${out.height}`),
      ['100x100', '240x160', '100x300'],
    );
    assert.equal(Buffer.compare(Buffer.from(copy), Buffer.from(source.data)), 0);
    assert.equal(source.orientation, 6);
  });

  test('enhance sharpens an enlargement', async () => {
    const small = await decode(fixture('pil-flower.jpg'), 'jpeg');
    const plain = await transform(small, { strategy: 'exact', width: 960, height: 720 });
    const enhanced = await transform(small, { strategy: 'exact', width: 960, height: 720, enhance: true });
    assert.deepEqual(
      enhanced.geometry.ops.map((op) => op.op),
      ['resize', 'sharpen'],
    );
    assert.ok(edgeEnergy(frameAt(enhanced, 0)) > edgeEnergy(frameAt(plain, 0)) * 1.05);
  });
});

/** Sum of absolute horizontal differences of the green channel: more = crisper edges. */
function edgeEnergy(frame: ReturnType<typeof frameAt>): number {
  let sum = 0;
  for (let i = frame.channels; i < frame.data.length; i += frame.channels) {
    sum += Math.abs(frame.data[i + 1]! - frame.data[i + 1 - frame.channels]!);
  }
  return sum;
}

/** A region of a raw frame, cut in JS (the search above tries thousands of offsets). */
function cut(frame: ReturnType<typeof frameAt>, region: Region): ReturnType<typeof frameAt> {
  const row = region.width * frame.channels;
  const data = new Uint8Array(row * region.height);
  for (let y = 0; y < region.height; y++) {
    const start = ((region.top + y) * frame.width + region.left) * frame.channels;
    data.set(frame.data.subarray(start, start + row), y * row);
  }
  return { data, width: region.width, height: region.height, channels: frame.channels };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.length === b.length &&
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.length),
      Buffer.from(b.buffer, b.byteOffset, b.length),
    ) === 0
  );
}
