/**
 * The transform flags of `squish optimize` turned into the engine's plan, in process: each flag's
 * mapping, the --plan file merged under the flags, and refusals that name the flag and the field.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildPlan } from '../../src/cli/optimize/build-plan.js';
import { parseResizeFlag, splitList } from '../../src/cli/optimize/flag-values.js';
import { readPlanFile } from '../../src/cli/optimize/plan-file.js';
import { UsageError } from '../../src/cli/usage-error.js';

describe('flag values', () => {
  it('splits lists at commas outside parentheses', () => {
    assert.deepEqual(splitList('fill, width=10,background=rgb(1, 2,3),enhance'), [
      'fill',
      'width=10',
      'background=rgb(1, 2,3)',
      'enhance',
    ]);
  });

  it('reads --resize keys, a bare strategy and a bare enhance; x/y make the crop rectangle', () => {
    assert.deepEqual(parseResizeFlag('strategy=fit,width=800,height=600,gravity=attention'), {
      strategy: 'fit',
      width: 800,
      height: 600,
      gravity: 'attention',
    });
    assert.deepEqual(parseResizeFlag('crop,x=10,y=20,width=300,height=200,scale=50'), {
      strategy: 'crop',
      scale: 50,
      rect: { x: 10, y: 20, width: 300, height: 200 },
    });
    assert.deepEqual(parseResizeFlag('fill,width=8,height=9,background=#fff,enhance'), {
      strategy: 'fill',
      width: 8,
      height: 9,
      background: '#fff',
      enhance: true,
    });
  });

  it('refuses unknown, repeated and valueless --resize keys', () => {
    assert.throws(() => parseResizeFlag('fit,widht=3'), /--resize: unknown key "widht"/);
    assert.throws(() => parseResizeFlag('fit,width=3,width=4'), /"width" is given twice/);
    assert.throws(() => parseResizeFlag('fit,width'), /--resize: expected key=value, but received "width"/);
  });
});

describe('buildPlan', () => {
  it('keeps the defaults when no transform flag is given', () => {
    assert.deepEqual(buildPlan({}), { lossy: false, keep: { icc: true, orientation: true } });
  });

  it('maps every transform flag onto its plan field', () => {
    const plan = buildPlan({
      lossy: true,
      quality: 70,
      resize: 'square,size=64,gravity=north',
      convert: 'JPG',
      background: 'rgba(10, 20, 30, 0.5)',
      preserveMeta: 'copyright,geotag',
      autoOrient: true,
      sampling: '4:2:2',
    });
    assert.deepEqual(plan, {
      lossy: true,
      quality: 70,
      keep: { icc: false, orientation: false, date: false, copyright: true, geotag: true },
      resize: { strategy: 'square', size: 64, gravity: 'north' },
      format: 'jpeg',
      background: { r: 10, g: 20, b: 30, alpha: 0.5 },
      autoOrient: true,
      chromaSubsampling: '4:2:2',
    });
  });

  it('reads a --convert list as "the smallest of these" and --preserve-meta none as keep nothing', () => {
    const plan = buildPlan({ convert: 'avif, webp', preserveMeta: 'none' });
    assert.deepEqual(plan.format, ['avif', 'webp']);
    assert.deepEqual(plan.keep, {
      icc: false,
      orientation: false,
      date: false,
      copyright: false,
      geotag: false,
    });
  });

  it('maps --preserve-meta profile to keep.icc, and --no-keep-icc drops it again', () => {
    assert.equal(buildPlan({ preserveMeta: 'profile,date' }).keep.icc, true);
    assert.equal(buildPlan({ preserveMeta: 'profile,date', keepIcc: false }).keep.icc, false);
    assert.equal(buildPlan({ keepOrientation: false }).keep.orientation, false);
  });

  it('refuses bad values with the flag, the plan field and the value received', () => {
    const cases: [Parameters<typeof buildPlan>[0], RegExp][] = [
      [
        { resize: 'fit,width=0,height=10' },
        /^--resize: .*integer from 1 to 65535.*`resize\.width`.*received 0/,
      ],
      [{ resize: 'fot,width=1' }, /^--resize: .*`resize\.strategy` but received "fot"/],
      [{ resize: 'crop,x=1,y=2,width=3' }, /^--resize: .*`resize\.rect\.height`/],
      [{ resize: 'fit,width=5,height=5,gravity=up' }, /^--resize: .*`resize\.gravity` but received "up"/],
      [{ resize: 'crop,width=5,height=5,scale=150' }, /^--resize: .*`resize\.scale` but received 150/],
      [{ convert: 'webp,bmp' }, /^--convert: .*`format` but received \["webp","bmp"\]/],
      [{ background: 'blurple' }, /^--background: .*CSS colour.*received "blurple"/],
      [{ sampling: '4:1:1' }, /^--sampling: .*4:2:0, 4:2:2, 4:4:4.*received "4:1:1"/],
      [{ preserveMeta: 'copyright,gps' }, /^--preserve-meta: .*profile, date, copyright.*received "gps"/],
      [{ quality: 50 }, /add --lossy/],
    ];
    for (const [flags, message] of cases) {
      assert.throws(
        () => buildPlan(flags),
        (error: unknown) => {
          assert.ok(error instanceof UsageError, `${JSON.stringify(flags)} gives a usage error`);
          assert.match(error.message, message);
          return true;
        },
      );
    }
  });

  it('merges a --plan file under the flags', () => {
    const file = {
      path: 'set.json',
      plan: {
        lossy: true,
        format: 'png' as const,
        keep: { icc: true, orientation: true, date: true },
        outputs: [
          { id: 'small', resize: { strategy: 'auto' as const, width: 32, height: 32 } },
          { id: 'large', quality: 80 },
        ],
      },
    };
    const plan = buildPlan({ convert: 'webp', quality: 60 }, file);
    assert.equal(plan.lossy, true);
    assert.equal(plan.quality, 60);
    assert.equal(plan.format, 'webp', 'the flag overrides the file');
    assert.deepEqual(plan.keep, { icc: true, orientation: true, date: true });
    assert.deepEqual(
      plan.outputs?.map((output) => output.id),
      ['small', 'large'],
    );
    assert.deepEqual(buildPlan({ preserveMeta: 'geotag' }, file).keep, {
      icc: false,
      orientation: false,
      date: false,
      copyright: false,
      geotag: true,
    });
  });

  it('refuses an invalid --plan naming the file and the field, and ids unfit for file names', () => {
    assert.throws(() => buildPlan({}, { path: 'p.json', plan: { outputs: [{ id: 'a', quality: 101 }] } }), {
      message: /^--plan p\.json: .*`outputs\[0\]\.quality` but received 101/,
    });
    for (const id of ['../escape', '.hidden', 'a/b', 'a..b']) {
      assert.throws(
        () => buildPlan({}, { path: 'p.json', plan: { outputs: [{ id }] } }),
        /outputs\[0\]\.id .* cannot be part of a file name/,
        id,
      );
    }
  });
});

describe('readPlanFile', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'squish-plan-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('reads a plan object and refuses non-JSON, non-objects and unknown fields', async () => {
    const write = async (name: string, text: string) => {
      await writeFile(join(work, name), text);
      return join(work, name);
    };
    assert.deepEqual(await readPlanFile(await write('ok.json', '{"lossy":true,"format":"webp"}')), {
      lossy: true,
      format: 'webp',
    });
    await assert.rejects(readPlanFile(await write('bad.json', '{lossy:')), /--plan: .* is not valid JSON/);
    await assert.rejects(readPlanFile(await write('list.json', '[1]')), /must hold a JSON object/);
    await assert.rejects(
      readPlanFile(await write('typo.json', '{"resise":{}}')),
      /unknown field "resise" \(expected lossy, /,
    );
    await assert.rejects(readPlanFile(join(work, 'missing.json')), /--plan: cannot read/);
  });
});
