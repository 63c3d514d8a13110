import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EXTERNAL_STORES, krakenOptionsToPlan } from '../../../src/compat/kraken/index.js';
import { isSquishError } from '../../../src/errors/index.js';
import type { OptimizePlan } from '../../../src/plan/index.js';

/** Asserts that mapping these options is refused with INVALID_OPTION naming `field`. */
function assertRefused(options: Record<string, unknown>, field: string | RegExp): void {
  assert.throws(
    () => krakenOptionsToPlan(options),
    (error: unknown) => {
      assert.ok(isSquishError(error), String(error));
      assert.equal(error.code, 'INVALID_OPTION');
      if (typeof field === 'string') assert.ok(error.message.includes(`\`${field}\``), error.message);
      else assert.match(error.message, field);
      return true;
    },
  );
}

describe('krakenOptionsToPlan: top-level options', () => {
  test('no options: lossless, ICC and orientation kept, nothing else', () => {
    const { plan, keepExtension, dev } = krakenOptionsToPlan({});
    assert.deepEqual(plan, { lossy: false, keep: { icc: true, orientation: true } });
    assert.equal(keepExtension, false);
    assert.equal(dev, false);
  });

  test('auth, wait, callback_url, url and unknown fields such as origin do not reach the plan', () => {
    const { plan } = krakenOptionsToPlan({
      auth: { api_key: 'k', api_secret: 's' },
      wait: true,
      callback_url: 'https://example.com/cb',
      url: 'https://example.com/a.jpg',
      origin: 'wp',
      something_new: { nested: 1 },
    });
    assert.deepEqual(plan, { lossy: false, keep: { icc: true, orientation: true } });
  });

  test('lossy accepts booleans and their unambiguous spellings', () => {
    assert.equal(krakenOptionsToPlan({ lossy: true }).plan.lossy, true);
    assert.equal(krakenOptionsToPlan({ lossy: 'true' }).plan.lossy, true);
    assert.equal(krakenOptionsToPlan({ lossy: 1 }).plan.lossy, true);
    assert.equal(krakenOptionsToPlan({ lossy: false }).plan.lossy, false);
    assertRefused({ lossy: 'yes please' }, 'lossy');
  });

  test('quality is a fixed lossy quality and implies lossy, even beside lossy:false', () => {
    assert.deepEqual(pick(krakenOptionsToPlan({ quality: 80 }).plan), { lossy: true, quality: 80 });
    assert.deepEqual(pick(krakenOptionsToPlan({ quality: '75' }).plan), { lossy: true, quality: 75 });
    assert.deepEqual(pick(krakenOptionsToPlan({ lossy: false, quality: 60 }).plan), {
      lossy: true,
      quality: 60,
    });
    for (const quality of [0, 101, 50.5, 'high', true]) assertRefused({ quality }, 'quality');
  });

  test('sampling_scheme maps to chroma subsampling; the .NET "4:2:4" typo means 4:4:4', () => {
    for (const scheme of ['4:2:0', '4:2:2', '4:4:4'] as const) {
      assert.equal(krakenOptionsToPlan({ sampling_scheme: scheme }).plan.chromaSubsampling, scheme);
    }
    assert.equal(krakenOptionsToPlan({ sampling_scheme: '4:2:4' }).plan.chromaSubsampling, '4:4:4');
    assertRefused({ sampling_scheme: '4:1:1' }, 'sampling_scheme');
  });

  test('webp:true asks for WebP (lossless unless lossy)', () => {
    assert.deepEqual(pick(krakenOptionsToPlan({ webp: true }).plan), { lossy: false, format: 'webp' });
    assert.deepEqual(pick(krakenOptionsToPlan({ webp: true, lossy: true }).plan), {
      lossy: true,
      format: 'webp',
    });
    assert.equal(krakenOptionsToPlan({ webp: false }).plan.format, undefined);
  });

  test('convert: format (jpg is jpeg), background, keep_extension', () => {
    const { plan, keepExtension } = krakenOptionsToPlan({
      convert: { format: 'jpg', background: '#f60', keep_extension: true },
    });
    assert.equal(plan.format, 'jpeg');
    assert.deepEqual(plan.background, { r: 255, g: 102, b: 0, alpha: 1 });
    assert.equal(keepExtension, true);
    for (const format of ['png', 'gif', 'webp', 'avif'] as const) {
      assert.equal(krakenOptionsToPlan({ convert: { format } }).plan.format, format);
    }
    // kraken-java writes colours with spaces.
    assert.deepEqual(
      krakenOptionsToPlan({ convert: { format: 'jpeg', background: 'rgba(100, 100, 100, 1)' } }).plan
        .background,
      {
        r: 100,
        g: 100,
        b: 100,
        alpha: 1,
      },
    );
    assertRefused({ convert: { format: 'bmp' } }, 'convert.format');
    assertRefused({ convert: { format: 'jpeg', background: 'not a colour' } }, 'convert.background');
    assertRefused({ convert: 'png' }, 'convert');
    assertRefused({ convert: { keep_extension: 'maybe' } }, 'convert.keep_extension');
  });

  test('webp:true and a different convert.format contradict each other', () => {
    assertRefused({ webp: true, convert: { format: 'png' } }, /two different formats/);
    assert.equal(krakenOptionsToPlan({ webp: true, convert: { format: 'webp' } }).plan.format, 'webp');
  });

  test('auto_orient', () => {
    assert.equal(krakenOptionsToPlan({ auto_orient: true }).plan.autoOrient, true);
    assert.equal(krakenOptionsToPlan({ auto_orient: false }).plan.autoOrient, false);
    assertRefused({ auto_orient: 'sideways' }, 'auto_orient');
  });

  test('preserve_meta adds date, copyright and geotag; profile and orientation are kept anyway', () => {
    assert.deepEqual(krakenOptionsToPlan({ preserve_meta: ['date', 'copyright', 'geotag'] }).plan.keep, {
      icc: true,
      orientation: true,
      date: true,
      copyright: true,
      geotag: true,
    });
    assert.deepEqual(krakenOptionsToPlan({ preserve_meta: ['profile', 'orientation'] }).plan.keep, {
      icc: true,
      orientation: true,
    });
    assertRefused({ preserve_meta: ['date', 'camera'] }, 'preserve_meta');
    assertRefused({ preserve_meta: 'date' }, 'preserve_meta');
  });

  test('dev marks the sandbox', () => {
    assert.equal(krakenOptionsToPlan({ dev: true }).dev, true);
    assertRefused({ dev: 'sometimes' }, 'dev');
  });

  test('every external store is refused with a message saying it is not supported yet', () => {
    for (const store of EXTERNAL_STORES) {
      assertRefused({ [store]: { bucket: 'b' } }, new RegExp(`${store}.*not supported`));
    }
  });
});

describe('krakenOptionsToPlan: resize', () => {
  const resize = (options: Record<string, unknown>) => krakenOptionsToPlan({ resize: options }).plan.resize;

  test('every strategy with what it needs', () => {
    assert.deepEqual(resize({ strategy: 'exact', width: 100, height: 50 }), {
      strategy: 'exact',
      width: 100,
      height: 50,
    });
    assert.deepEqual(resize({ strategy: 'portrait', height: 80 }), { strategy: 'portrait', height: 80 });
    assert.deepEqual(resize({ strategy: 'landscape', width: 80 }), { strategy: 'landscape', width: 80 });
    assert.deepEqual(resize({ strategy: 'auto', width: 80, height: 60 }), {
      strategy: 'auto',
      width: 80,
      height: 60,
    });
    assert.deepEqual(resize({ strategy: 'square', size: 64 }), { strategy: 'square', size: 64 });
    assert.deepEqual(resize({ strategy: 'none' }), { strategy: 'none' });
    assert.deepEqual(resize({ strategy: 'fill', width: 80, height: 60, background: 'rgb(0,0,255)' }), {
      strategy: 'fill',
      width: 80,
      height: 60,
      background: { r: 0, g: 0, b: 255, alpha: 1 },
    });
  });

  test('crop_mode letters become gravities; unknown values mean centre', () => {
    const modes: Record<string, string> = {
      c: 'center',
      n: 'north',
      t: 'north',
      s: 'south',
      b: 'south',
      e: 'east',
      r: 'east',
      w: 'west',
      l: 'west',
      ne: 'northeast',
      tr: 'northeast',
      nw: 'northwest',
      tl: 'northwest',
      se: 'southeast',
      br: 'southeast',
      sw: 'southwest',
      bl: 'southwest',
      middle: 'center',
    };
    for (const [mode, gravity] of Object.entries(modes)) {
      assert.equal(
        resize({ strategy: 'fit', width: 10, height: 10, crop_mode: mode })?.gravity,
        gravity,
        mode,
      );
    }
  });

  test('crop with x and y is an explicit rectangle; scale and enhance pass through', () => {
    assert.deepEqual(
      resize({ strategy: 'crop', width: 40, height: 30, x: 5, y: 7, scale: 50, enhance: true }),
      {
        strategy: 'crop',
        width: 40,
        height: 30,
        rect: { x: 5, y: 7, width: 40, height: 30 },
        scale: 50,
        enhance: true,
      },
    );
    assert.deepEqual(resize({ strategy: 'crop', width: 40, height: 30, y: 3 })?.rect, {
      x: 0,
      y: 3,
      width: 40,
      height: 30,
    });
    assertRefused({ resize: { strategy: 'crop', width: 40, height: 30, x: -1 } }, 'resize.x');
  });

  test('numbers written as strings are accepted (PHP plugins send them)', () => {
    assert.deepEqual(resize({ strategy: 'exact', width: '120', height: '90' }), {
      strategy: 'exact',
      width: 120,
      height: 90,
    });
  });

  test('wrong resize objects are refused naming the Kraken field', () => {
    assertRefused({ resize: { width: 100 } }, 'resize.strategy');
    assertRefused({ resize: { strategy: 'stretch', width: 100 } }, 'resize.strategy');
    assertRefused({ resize: { strategy: 'exact', width: 100 } }, /both width and height/);
    assertRefused({ resize: { strategy: 'exact', width: 0, height: 10 } }, 'resize.width');
    assertRefused({ resize: 'small' }, 'resize');
  });

  test('an array is an image set: ids as strings, per-entry lossy, quality and sampling_scheme', () => {
    const { plan } = krakenOptionsToPlan({
      lossy: false,
      webp: true,
      resize: [
        { id: 'small', strategy: 'fit', width: 64, height: 64, lossy: true },
        { id: 2, strategy: 'none', quality: 70, sampling_scheme: '4:4:4' },
        { id: 'orig', strategy: 'auto', width: 300, height: 300, storage_path: 'ignored' },
      ],
    });
    assert.equal(plan.lossy, false);
    assert.equal(plan.format, 'webp');
    assert.deepEqual(plan.outputs, [
      { id: 'small', resize: { strategy: 'fit', width: 64, height: 64 }, lossy: true },
      { id: '2', resize: { strategy: 'none' }, lossy: true, quality: 70, chromaSubsampling: '4:4:4' },
      { id: 'orig', resize: { strategy: 'auto', width: 300, height: 300 } },
    ]);
  });

  test('image sets: 1 to 10 entries with unique ids', () => {
    const entry = (id: unknown) => ({ id, strategy: 'none' });
    assertRefused({ resize: [] }, 'resize');
    assertRefused({ resize: Array.from({ length: 11 }, (_, i) => entry(i)) }, 'resize');
    assert.equal(
      krakenOptionsToPlan({ resize: Array.from({ length: 10 }, (_, i) => entry(i)) }).plan.outputs?.length,
      10,
    );
    assertRefused({ resize: [entry('a'), entry('a')] }, 'resize[1].id');
    assertRefused({ resize: [entry('1'), entry(1)] }, 'resize[1].id');
    assertRefused({ resize: [{ strategy: 'none' }] }, 'resize[0].id');
    assertRefused({ resize: [entry('a'), { id: 'b', strategy: 'exact', width: 5 }] }, /resize\[1\]/);
    assertRefused({ resize: [entry('a'), { id: 'b', strategy: 'none', quality: 0 }] }, 'resize[1].quality');
  });
});

function pick(plan: OptimizePlan): Partial<OptimizePlan> {
  const { keep: _keep, ...rest } = plan;
  return rest;
}
