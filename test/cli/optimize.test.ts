/**
 * `squish optimize`, run as a child process on a small tree: a JPEG, a 16-bit PNG, a hidden file,
 * a text file, a PNG with a broken CRC and a symbolic link loop, plus one file given by itself.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { ERROR_CODES, type ErrorCode } from '../../src/errors/index.js';
import { assertSamePixels, countDifferentPixels, decodeRaw } from '../helpers/pixels.js';
import { runCli } from './run-cli.js';

const FIXTURES = new URL('../fixtures/cli/', import.meta.url);
const fixture = (name: string) => new URL(name, FIXTURES);

const JSON_KEYS = [
  'file',
  'format',
  'output',
  'original_size',
  'optimized_size',
  'saved_bytes',
  'width',
  'height',
  'ms',
  'error',
  'notes',
];

interface JsonLine {
  file: string;
  format: string | null;
  output: string | null;
  original_size: number | null;
  optimized_size: number | null;
  saved_bytes: number | null;
  width: number | null;
  height: number | null;
  ms: number;
  error: { code: ErrorCode; message: string } | null;
}

/** Every file under `dir`, relative, hidden ones included. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

describe('squish optimize', () => {
  let work: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'squish-cli-'));
    await mkdir(join(work, 'in/nested/deeper'), { recursive: true });
    await mkdir(join(work, 'in/broken'), { recursive: true });
    await mkdir(join(work, 'solo'), { recursive: true });
    await copyFile(fixture('pil-hopper.jpg'), join(work, 'in/photo.jpg'));
    await copyFile(fixture('pil-hopper.jpg'), join(work, 'in/.hidden.jpg'));
    await copyFile(fixture('pngsuite-basn6a16.png'), join(work, 'in/nested/deeper/alpha16.png'));
    await copyFile(fixture('pngsuite-xcsn0g01-bad-idat-crc.png'), join(work, 'in/broken/bad-crc.png'));
    await writeFile(join(work, 'in/notes.txt'), 'Not an image, just some notes.\n');
    // A link back to the folder itself: walking it must neither loop nor list files twice.
    await symlink('..', join(work, 'in/nested/loop'));
    await copyFile(fixture('pngsuite-basn6a16.png'), join(work, 'solo/icon.png'));
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('writes every optimized file under --out with its relative name and prints one JSON line per input', async () => {
    const run = await runCli(['optimize', 'in', 'solo/icon.png', '--out', 'out', '--json'], { cwd: work });
    assert.equal(run.code, 0, run.stderr);

    const lines = run.stdout.trim().split('\n');
    const records = lines.map((line) => JSON.parse(line) as JsonLine);
    for (const record of records) assert.deepEqual(Object.keys(record), JSON_KEYS);
    const byFile = new Map(records.map((record) => [record.file, record]));
    assert.deepEqual(
      [...byFile.keys()].sort(),
      [
        'in/broken/bad-crc.png',
        'in/nested/deeper/alpha16.png',
        'in/notes.txt',
        'in/photo.jpg',
        'solo/icon.png',
      ],
      'hidden file skipped, loop followed once',
    );

    const optimized = [
      { file: 'in/photo.jpg', output: 'out/photo.jpg', format: 'jpeg' },
      { file: 'in/nested/deeper/alpha16.png', output: 'out/nested/deeper/alpha16.png', format: 'png' },
      { file: 'solo/icon.png', output: 'out/icon.png', format: 'png' },
    ];
    for (const expected of optimized) {
      const record = byFile.get(expected.file)!;
      assert.equal(record.error, null, `${expected.file}: ${JSON.stringify(record.error)}`);
      assert.equal(record.output, expected.output);
      assert.equal(record.format, expected.format);
      const input = await readFile(join(work, expected.file));
      const output = await readFile(join(work, expected.output));
      assert.equal(record.original_size, input.length);
      assert.equal(record.optimized_size, output.length, 'optimized_size is the written size');
      assert.equal(record.saved_bytes, input.length - output.length);
      assert.ok(output.length <= input.length, 'never larger');
      const meta = await sharp(input).metadata();
      assert.equal(record.width, meta.width);
      assert.equal(record.height, meta.height);
      assert.ok(Number.isInteger(record.ms) && record.ms >= 0);
      await assertSamePixels(input, output, expected.file);
    }

    const notes = byFile.get('in/notes.txt')!;
    assert.equal(notes.format, null);
    assert.equal(notes.output, null);
    assert.equal(notes.optimized_size, null);
    assert.equal(notes.error?.code, 'UNSUPPORTED_FORMAT');

    const corrupt = byFile.get('in/broken/bad-crc.png')!;
    assert.equal(corrupt.output, null);
    assert.ok(corrupt.error, 'the corrupt PNG is refused');
    assert.ok(ERROR_CODES[corrupt.error.code].status < 500, `a clear refusal, got ${corrupt.error.code}`);

    assert.deepEqual(
      await listFiles(join(work, 'out')),
      ['icon.png', 'nested/deeper/alpha16.png', 'photo.jpg'],
      'only the optimized files, no temporary leftovers',
    );
  });

  it('prints a summary with a per-format breakdown and the errors when not in JSON mode', async () => {
    const run = await runCli(['optimize', 'in', '--out', 'summary-out'], { cwd: work });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Files\s*│\s*4\s*│/);
    assert.match(run.stdout, /Failed\s*│\s*2\s*│/);
    assert.match(run.stdout, /Bytes before/);
    assert.match(run.stdout, /│ jpeg\s*│\s*1\s*│\s*0\s*│/);
    assert.match(run.stdout, /in\/notes\.txt\s+UNSUPPORTED_FORMAT\s+The input is not an image/);
    assert.match(run.stdout, /in\/broken\/bad-crc\.png\s+[A-Z_]+\s+\S/);
    assert.equal(run.stderr, '', 'no progress bar when stderr is not a terminal');
    assert.deepEqual(await listFiles(join(work, 'summary-out')), ['nested/deeper/alpha16.png', 'photo.jpg']);
  });

  it('passes --lossy and --quality to the engine', async () => {
    const run = await runCli(
      ['optimize', 'in/photo.jpg', '--out', 'lossy', '--lossy', '--quality', '30', '--json'],
      {
        cwd: work,
      },
    );
    assert.equal(run.code, 0, run.stderr);
    const record = JSON.parse(run.stdout) as JsonLine;
    assert.equal(record.error, null);
    const input = await readFile(join(work, 'in/photo.jpg'));
    const output = await readFile(join(work, 'lossy/photo.jpg'));
    assert.equal(record.optimized_size, output.length);
    assert.ok(
      output.length < input.length * 0.8,
      `quality 30 is much smaller: ${output.length} of ${input.length}`,
    );
    const [a, b] = await Promise.all([decodeRaw(input), decodeRaw(output)]);
    assert.ok(countDifferentPixels(a, b) > 0, 'lossy output has different pixels');
  });

  it('refuses a file over the byte limit from its size, without reading it', async () => {
    // A sparse file: 33 MB long on paper, a PNG signature and nothing else on disk.
    await mkdir(join(work, 'huge'));
    const png = await readFile(fixture('pngsuite-basn6a16.png'));
    await writeFile(join(work, 'huge/huge.png'), png);
    await truncate(join(work, 'huge/huge.png'), 33 * 1024 * 1024);
    const run = await runCli(['optimize', 'huge', '--out', 'huge-out', '--json'], { cwd: work });
    assert.equal(run.code, 0, run.stderr);
    const record = JSON.parse(run.stdout) as JsonLine;
    assert.equal(record.error?.code, 'INPUT_TOO_LARGE');
    assert.equal(record.format, 'png', 'the format is still told from the first bytes');
    assert.equal(record.original_size, 33 * 1024 * 1024);
    assert.equal(record.output, null);
  });

  it('refuses an --out that would overwrite the inputs, and leaves them untouched', async () => {
    const before = await readFile(join(work, 'in/photo.jpg'));
    const run = await runCli(['optimize', 'in', '--out', 'in'], { cwd: work });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /Refusing to overwrite the input/);
    assert.deepEqual(await readFile(join(work, 'in/photo.jpg')), before);
    assert.equal((await stat(join(work, 'in/photo.jpg'))).size, before.length);
  });

  it('refuses two inputs that would be written to the same output', async () => {
    await copyFile(fixture('pil-hopper.jpg'), join(work, 'solo/photo.jpg'));
    try {
      const clash = await runCli(['optimize', 'in/photo.jpg', 'solo/photo.jpg', '--out', 'y'], { cwd: work });
      assert.equal(clash.code, 2);
      assert.match(clash.stderr, /would both be written to y\/photo\.jpg/);
    } finally {
      await rm(join(work, 'solo/photo.jpg'));
    }
  });

  it('names a full output disk STORAGE_FULL, exits non-zero and leaves no partial file', {
    skip: process.getuid?.() !== 0 && 'needs root to mount a small tmpfs',
  }, async () => {
    const full = join(work, 'full');
    await mkdir(full);
    // One page: less than the optimized photo.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', full]);
    try {
      const run = await runCli(['optimize', 'in/photo.jpg', '--out', 'full', '--json'], { cwd: work });
      assert.notEqual(run.code, 0);
      const record = JSON.parse(run.stdout.trim()) as JsonLine;
      assert.equal(record.error?.code, 'STORAGE_FULL');
      assert.match(record.error?.message ?? '', /^Cannot write full\/photo\.jpg: ENOSPC/);
      assert.deepEqual(await readdir(full), []);
    } finally {
      execFileSync('umount', [full]);
    }
  });

  it('exits 2 with a clear message for bad arguments', async () => {
    const cases: { args: string[]; message: RegExp }[] = [
      { args: ['optimize', 'in'], message: /required option '-o, --out <dir>' not specified/ },
      { args: ['optimize', 'missing', '--out', 'o'], message: /Cannot read missing/ },
      {
        args: ['optimize', 'in', '--out', 'o', '--lossy', '--quality', '0'],
        message: /integer from 1 to 100/,
      },
      { args: ['optimize', 'in', '--out', 'o', '--quality', '80'], message: /add --lossy/ },
      {
        args: ['optimize', 'in', '--out', 'o', '--lossy', '--target', 'high'],
        message: /number from 30 to 100/,
      },
      { args: ['optimize', 'in', '--out', 'o', '--concurrency', '0'], message: /integer from 1 to 256/ },
      { args: ['optimize', 'in', '--out', 'in/photo.jpg'], message: /exists and is not a folder/ },
      { args: ['frobnicate'], message: /unknown command 'frobnicate'/ },
    ];
    for (const { args, message } of cases) {
      const run = await runCli(args, { cwd: work });
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message, args.join(' '));
      assert.equal(run.stdout, '', `${args.join(' ')} prints nothing on stdout`);
    }
  });
});
