/**
 * The transform flags of `squish optimize`, run as a child process: refusals of bad values (exit
 * 2, naming the flag), a resize + conversion (file name, format, dimensions, kept region), a
 * "smallest of" list named after the format chosen, and an image set from --plan.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { decodeToRgb, ssimulacra2 } from '../../src/engine/metric/ssimulacra2.js';
import { runCli } from './run-cli.js';

const HOPPER = new URL('../fixtures/cli/pil-hopper.jpg', import.meta.url);
/** Hopper with Orientation 6, an Adobe RGB profile and every metadata group (see SOURCES.md). */
const TAGGED = new URL('../fixtures/cli/tagged.jpg', import.meta.url);
const ALPHA_PNG = new URL('../fixtures/cli/pngsuite-basn6a16.png', import.meta.url);
/** An animated GIF of the GIF codec's fixtures (Pillow, HPND). */
const ANIMATED = new URL('../fixtures/gif/pil-chi-anim.gif', import.meta.url);

/** Every tag exiftool reads in `path`, as "Group:Tag" (numeric values), without its file-system ones. */
async function readTags(path: string): Promise<Record<string, unknown>> {
  const { stdout } = await promisify(execFile)('exiftool', ['-j', '-G1', '-n', path]);
  const [tags] = JSON.parse(stdout) as Record<string, unknown>[];
  return Object.fromEntries(
    Object.entries(tags!).filter(([key]) => !/^(System|ExifTool|File|Composite|SourceFile)\b/.test(key)),
  );
}

/** Mean absolute difference per channel between two RGB images of one size. */
function meanDifference(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

interface OutputRecord {
  id: string;
  notes: string[];
  output: string;
  format: string;
  optimized_size: number;
  width: number;
  height: number;
}

interface JsonLine {
  file: string;
  format: string | null;
  output: string | null;
  optimized_size: number | null;
  width: number | null;
  height: number | null;
  error: { code: string; message: string } | null;
  notes: string[];
  outputs?: OutputRecord[];
}

function onlyRecord(stdout: string): JsonLine {
  const lines = stdout.trim().split('\n');
  assert.equal(lines.length, 1, stdout);
  return JSON.parse(lines[0]!) as JsonLine;
}

describe('squish optimize transform flags', () => {
  let work: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'squish-cli-transform-'));
    await mkdir(join(work, 'in'));
    await copyFile(HOPPER, join(work, 'in/photo.jpg'));
    await copyFile(TAGGED, join(work, 'tagged.jpg'));
    await copyFile(ALPHA_PNG, join(work, 'icon.png'));
    await copyFile(ANIMATED, join(work, 'anim.gif'));
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('exits 2 naming the flag, the field and the value for bad transform values', async () => {
    await writeFile(join(work, 'escape.json'), JSON.stringify({ outputs: [{ id: '../up' }] }));
    const cases: { args: string[]; message: RegExp }[] = [
      {
        args: ['--resize', 'fit,width=wide,height=10'],
        message: /--resize: .*integer from 1 to 65535 for `resize\.width` but received "wide"/,
      },
      { args: ['--resize', 'zoom,width=10'], message: /--resize: .*`resize\.strategy` but received "zoom"/ },
      { args: ['--convert', 'tiff'], message: /--convert: .*`format` but received "tiff"/ },
      { args: ['--background', '#12345'], message: /--background: .*received "#12345"/ },
      { args: ['--sampling', '4:2:1'], message: /--sampling: .*received "4:2:1"/ },
      { args: ['--preserve-meta', 'exif'], message: /--preserve-meta: .*received "exif"/ },
      {
        args: ['--plan', 'escape.json'],
        message: /outputs\[0\]\.id "\.\.\/up" cannot be part of a file name/,
      },
    ];
    for (const { args, message } of cases) {
      const run = await runCli(['optimize', 'in', '--out', 'never', ...args], { cwd: work });
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message, args.join(' '));
      assert.equal(run.stdout, '', `${args.join(' ')} prints nothing on stdout`);
    }
    await assert.rejects(readdir(join(work, 'never')), { code: 'ENOENT' }, 'nothing written');
  });

  it('resizes and converts: the new extension, the format, the size and the centre region', async () => {
    const run = await runCli(
      [
        'optimize',
        'in/photo.jpg',
        '--out',
        'out',
        '--resize',
        'fit,width=96,height=64',
        '--convert',
        'webp',
        '--json',
      ],
      { cwd: work },
    );
    assert.equal(run.code, 0, run.stderr);
    const record = onlyRecord(run.stdout);
    assert.equal(record.error, null, JSON.stringify(record.error));
    assert.equal(record.format, 'jpeg', 'the input format');
    assert.equal(record.output, join('out', 'photo.webp'));
    assert.deepEqual(await readdir(join(work, 'out')), ['photo.webp']);

    const output = await readFile(join(work, 'out/photo.webp'));
    const meta = await sharp(output).metadata();
    assert.equal(meta.format, 'webp');
    assert.deepEqual([meta.width, meta.height], [96, 64]);
    assert.deepEqual([record.width, record.height], [96, 64], 'the JSON reports the output size');
    assert.equal(record.optimized_size, output.length);

    // fit = cover 96x64 at the centre: the output looks like sharp's centre cover, not a top one.
    const input = await readFile(join(work, 'in/photo.jpg'));
    const cover = (position: string) =>
      sharp(input).resize(96, 64, { fit: 'cover', position }).png().toBuffer();
    const got = await decodeToRgb(output);
    const centre = await ssimulacra2(await decodeToRgb(await cover('centre')), got);
    const top = await ssimulacra2(await decodeToRgb(await cover('north')), got);
    assert.ok(centre >= 70, `close to the centre crop: ${centre.toFixed(1)}`);
    assert.ok(centre > top + 20, `centre ${centre.toFixed(1)} vs top ${top.toFixed(1)}`);
  });

  it('says in the report when an animation lost its frames to a still format', async () => {
    const run = await runCli(['optimize', 'anim.gif', '--out', 'still', '--convert', 'jpeg', '--json'], {
      cwd: work,
    });
    assert.equal(run.code, 0, run.stderr);
    const record = onlyRecord(run.stdout);
    assert.equal(record.error, null, JSON.stringify(record.error));
    assert.ok(
      record.notes.some((note) => /only the first of \d+ frames/.test(note)),
      JSON.stringify(record.notes),
    );
    const meta = await sharp(await readFile(join(work, 'still/anim.jpg'))).metadata();
    assert.equal(meta.format, 'jpeg');
  });

  it('names the output of a "smallest of" list after the format chosen', async () => {
    const run = await runCli(
      ['optimize', 'in/photo.jpg', '--out', 'smallest', '--convert', 'png,webp', '--lossy', '--json'],
      { cwd: work },
    );
    assert.equal(run.code, 0, run.stderr);
    const record = onlyRecord(run.stdout);
    assert.equal(record.error, null, JSON.stringify(record.error));
    const [name] = await readdir(join(work, 'smallest'));
    assert.ok(name === 'photo.png' || name === 'photo.webp', String(name));
    assert.equal(record.output, join('smallest', name!));
    const meta = await sharp(await readFile(join(work, 'smallest', name!))).metadata();
    assert.equal(`photo.${meta.format}`, name, 'the extension is the format written');
    assert.deepEqual([meta.width, meta.height], [128, 128]);
  });

  it('writes each output of an image set from --plan to <name>.<id>.<ext>', async () => {
    await writeFile(
      join(work, 'set.json'),
      JSON.stringify({
        outputs: [
          { id: 'thumb', resize: { strategy: 'square', size: 32 } },
          { id: 'wide', format: 'webp', resize: { strategy: 'exact', width: 40, height: 20 } },
        ],
      }),
    );
    const run = await runCli(['optimize', 'in/photo.jpg', '--out', 'set', '--plan', 'set.json', '--json'], {
      cwd: work,
    });
    assert.equal(run.code, 0, run.stderr);
    const record = onlyRecord(run.stdout);
    assert.equal(record.error, null, JSON.stringify(record.error));
    assert.equal(record.output, null);
    assert.deepEqual([record.width, record.height], [128, 128], "a set reports the input's size");
    assert.deepEqual((await readdir(join(work, 'set'))).sort(), ['photo.thumb.jpg', 'photo.wide.webp']);

    const expected = [
      { id: 'thumb', output: join('set', 'photo.thumb.jpg'), format: 'jpeg', width: 32, height: 32 },
      { id: 'wide', output: join('set', 'photo.wide.webp'), format: 'webp', width: 40, height: 20 },
    ];
    assert.equal(record.outputs?.length, expected.length);
    let total = 0;
    for (const [index, want] of expected.entries()) {
      const got: OutputRecord = record.outputs![index]!;
      const bytes = await readFile(join(work, want.output));
      const meta = await sharp(bytes).metadata();
      assert.deepEqual(
        [meta.format, meta.width, meta.height],
        [want.format, want.width, want.height],
        want.id,
      );
      const { notes, ...rest } = got;
      assert.deepEqual(rest, { ...want, optimized_size: bytes.length });
      assert.ok(Array.isArray(notes), 'each output carries its notes');
      total += bytes.length;
    }
    assert.equal(record.optimized_size, total, 'the total of the outputs');
  });

  it('--preserve-meta keeps exactly the named groups and --auto-orient turns the pixels upright', async () => {
    const run = await runCli(
      [
        'optimize',
        'tagged.jpg',
        '--out',
        'upright',
        '--preserve-meta',
        'copyright',
        '--auto-orient',
        '--json',
      ],
      { cwd: work },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(onlyRecord(run.stdout).error, null);
    const tags = await readTags(join(work, 'upright/tagged.jpg'));
    assert.equal(tags['IFD0:Copyright'], '(c) 2020 Ann Author');
    assert.equal(tags['XMP-dc:Rights'], '(c) 2020 Ann XMP');
    for (const gone of [
      'IFD0:Orientation',
      'GPS:GPSLatitude',
      'ExifIFD:DateTimeOriginal',
      'ICC-header:ProfileDescription',
      'IFD0:Make',
    ]) {
      assert.equal(tags[gone], undefined, `${gone} stripped`);
    }
    assert.ok(
      !Object.keys(tags).some((key) => key.startsWith('ICC')),
      'no ICC profile: only copyright was asked for',
    );

    // Upright: the output looks like the input turned as its tag says (sharp's rotate()), not as stored.
    const input = await readFile(join(work, 'tagged.jpg'));
    const got = await decodeToRgb(await readFile(join(work, 'upright/tagged.jpg')));
    const turned = await ssimulacra2(await decodeToRgb(await sharp(input).rotate().png().toBuffer()), got);
    const stored = await ssimulacra2(await decodeToRgb(await sharp(input).png().toBuffer()), got);
    assert.ok(
      turned >= 70 && turned > stored + 20,
      `turned ${turned.toFixed(1)}, as stored ${stored.toFixed(1)}`,
    );

    const kept = await runCli(
      ['optimize', 'tagged.jpg', '--out', 'tagged', '--preserve-meta', 'geotag,orientation', '--json'],
      { cwd: work },
    );
    assert.equal(kept.code, 0, kept.stderr);
    const keptTags = await readTags(join(work, 'tagged/tagged.jpg'));
    assert.equal(keptTags['IFD0:Orientation'], 6, 'without --auto-orient the tag stays');
    assert.equal(keptTags['GPS:GPSLatitudeRef'], 'N');
    assert.ok(typeof keptTags['GPS:GPSLatitude'] === 'number');
    for (const gone of ['IFD0:Copyright', 'IFD0:Artist', 'XMP-dc:Rights', 'ExifIFD:DateTimeOriginal']) {
      assert.equal(keptTags[gone], undefined, `${gone} stripped`);
    }
  });

  it('--convert jpg flattens transparency onto --background and --sampling sets the chroma subsampling', async () => {
    const run = await runCli(
      [
        'optimize',
        'icon.png',
        '--out',
        'flat',
        '--convert',
        'jpg',
        '--background',
        'red',
        '--sampling',
        '4:4:4',
        '--lossy',
        '--quality',
        '95',
        '--json',
      ],
      { cwd: work },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(onlyRecord(run.stdout).output, join('flat', 'icon.jpg'));
    const output = await readFile(join(work, 'flat/icon.jpg'));
    const meta = await sharp(output).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.equal(meta.chromaSubsampling, '4:4:4');

    const input = await readFile(join(work, 'icon.png'));
    const flattened = (background: string) =>
      sharp(input).flatten({ background }).toColourspace('srgb').raw().toBuffer();
    const got = await sharp(output).raw().toBuffer();
    const onRed = meanDifference(got, await flattened('#ff0000'));
    const onWhite = meanDifference(got, await flattened('#ffffff'));
    assert.ok(onRed < 6, `close to the input flattened on red: ${onRed.toFixed(2)}`);
    assert.ok(onWhite > onRed + 20, `not on white: ${onWhite.toFixed(2)} vs ${onRed.toFixed(2)}`);
  });
});
