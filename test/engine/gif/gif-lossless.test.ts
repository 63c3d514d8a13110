import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gifOptimizer } from '../../../src/engine/codecs/gif/index.js';
import { decodeGifFrames, sameAnimation } from '../../../src/engine/decode/gif-frames.js';
import { parseGifStructure } from '../../../src/engine/decode/gif-structure.js';
import { SquishError } from '../../../src/errors/index.js';
import { differentPixels, fixture, gifContext, gifsicle, imageMagickFrames } from './gif-test-kit.js';

const ANIMATED = [
  'pil-dispose_bgnd.gif',
  'pil-multiple_comments.gif',
  'pil-palette_not_needed.gif',
  'pil-chi-anim.gif',
  'sk-no_time_for_that_tiny.gif',
];

for (const name of ANIMATED) {
  test(`lossless ${name}: same animation, never bigger than gifsicle -O3`, async () => {
    const input = fixture(name);
    const candidate = await gifOptimizer.lossless(input, gifContext());
    assert.equal(candidate.lossless, true);
    const verdict = sameAnimation(decodeGifFrames(input), decodeGifFrames(candidate.data));
    assert.ok(verdict.equal, verdict.detail);
    assert.ok(
      candidate.data.length <= gifsicle(input, ['-O3']).length,
      `${candidate.data.length} bytes vs gifsicle -O3`,
    );
  });
}

test('lossless keeps interlaced GIFs equal (interlace is only a row order)', async () => {
  const input = gifsicle(fixture('pil-multiple_comments.gif'), ['--interlace']);
  const candidate = await gifOptimizer.lossless(input, gifContext());
  const verdict = sameAnimation(decodeGifFrames(input), decodeGifFrames(candidate.data));
  assert.ok(verdict.equal, verdict.detail);
});

test('lossless output also matches ImageMagick on the frames it kept', async () => {
  // Guards against our decoder and gifsicle agreeing on a mistake: frame by frame (this fixture
  // has no identical frames to merge), ImageMagick composes the output like the input.
  const input = fixture('pil-dispose_bgnd.gif');
  const candidate = await gifOptimizer.lossless(input, gifContext());
  const source = decodeGifFrames(input);
  const expected = imageMagickFrames(input, source.width, source.height);
  const actual = imageMagickFrames(candidate.data, source.width, source.height);
  assert.equal(actual.length, expected.length);
  for (const [i, frame] of actual.entries())
    assert.equal(differentPixels(frame, expected[i]!), 0, `frame ${i}`);
});

test('comments are stripped, the loop count kept, and the file gets smaller than -O3 makes it', async () => {
  const input = fixture('pil-multiple_comments.gif');
  assert.equal(parseGifStructure(input).comments, 5);
  const candidate = await gifOptimizer.lossless(input, gifContext());
  const output = parseGifStructure(candidate.data);
  assert.equal(output.comments, 0);
  assert.equal(output.loopCount, 0);
  assert.ok(candidate.data.length < input.length, `${candidate.data.length} < ${input.length}`);
  assert.ok(candidate.data.length < gifsicle(input, ['-O3']).length);
  assert.ok(candidate.notes?.some((note) => note.includes('comment')));
});

test('identical consecutive frames are merged and reported', async () => {
  const input = fixture('pil-chi-anim.gif');
  const candidate = await gifOptimizer.lossless(input, gifContext());
  assert.ok(parseGifStructure(candidate.data).frames.length < parseGifStructure(input).frames.length);
  assert.ok(candidate.notes?.some((note) => note.includes('merged')));
  assert.ok(candidate.data.length < input.length / 5);
});

async function codeOf(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (error) {
    assert.ok(error instanceof SquishError, String(error));
    return error.code;
  }
  return 'no error';
}

test('the decompression bomb is refused, lossless and lossy', async () => {
  const bomb = fixture('pil-decompression_bomb.gif');
  assert.equal(await codeOf(gifOptimizer.lossless(bomb, gifContext())), 'CORRUPT_IMAGE');
  assert.equal(await codeOf(gifOptimizer.lossy(bomb, gifContext({ lossy: true }))), 'CORRUPT_IMAGE');
});

test('frame, pixel and time limits are enforced', async () => {
  const chi = fixture('pil-chi-anim.gif');
  assert.equal(
    await codeOf(gifOptimizer.lossless(chi, gifContext({}, { maxFrames: 10 }))),
    'TOO_MANY_FRAMES',
  );
  assert.equal(
    await codeOf(gifOptimizer.lossless(chi, gifContext({}, { maxPixels: 1_000_000 }))),
    'TOO_MANY_PIXELS',
  );
  assert.equal(
    await codeOf(gifOptimizer.lossless(chi, gifContext({}, {}, Date.now() - 1))),
    'PROCESSING_TIMEOUT',
  );
});

test('an ICC profile extension stays when the plan keeps ICC; other application extensions go', async () => {
  const withExtensions = gifsicle(fixture('pil-hopper.gif'), [
    '--app-extension',
    'ICCRGBG1012',
    'profile bytes stand-in',
    '--app-extension',
    'XMP DataXMP',
    '<x:xmpmeta/>',
  ]);
  const before = parseGifStructure(withExtensions);
  assert.equal(before.hasIccProfile, true);
  assert.equal(before.extensions.length, 3, 'ICC, XMP and the comment');

  const kept = await gifOptimizer.lossless(withExtensions, gifContext());
  const keptStructure = parseGifStructure(kept.data);
  assert.equal(keptStructure.hasIccProfile, true);
  assert.deepEqual(
    keptStructure.extensions.map((e) => e.application),
    ['ICCRGBG1012'],
  );

  const dropped = await gifOptimizer.lossless(
    withExtensions,
    gifContext({ keep: { icc: false, orientation: true } }),
  );
  assert.equal(parseGifStructure(dropped.data).extensions.length, 0);
  for (const candidate of [kept, dropped]) {
    const verdict = sameAnimation(decodeGifFrames(withExtensions), decodeGifFrames(candidate.data));
    assert.ok(verdict.equal, verdict.detail);
  }
});
