/**
 * How `squish optimize` finds its inputs and reads them, in process (no engine needed): folder
 * walking, output names, refused layouts, and the byte limit applied before reading.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collectInputs } from '../../src/cli/optimize/collect-inputs.js';
import { readInput } from '../../src/cli/optimize/read-input.js';
import { UsageError } from '../../src/cli/usage-error.js';

describe('collectInputs', () => {
  let work: string;
  const at = (path: string) => join(work, path);

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'squish-collect-'));
    await mkdir(at('photos/2024/.cache'), { recursive: true });
    await mkdir(at('photos/small'), { recursive: true });
    await writeFile(at('photos/a.jpg'), 'a');
    await writeFile(at('photos/2024/b.png'), 'b');
    await writeFile(at('photos/2024/.cache/c.png'), 'c');
    await writeFile(at('photos/small/previous-output.jpg'), 'd');
    await symlink(at('photos'), at('photos/2024/again'));
    await symlink(at('nowhere.png'), at('photos/dangling.png'));
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('walks folders in name order, skips hidden entries, the output folder and link loops', async () => {
    const inputs = await collectInputs([at('photos')], at('photos/small'));
    assert.deepEqual(
      inputs.map((input) => input.relative),
      ['2024/b.png', 'a.jpg', 'dangling.png'],
    );
    assert.equal(inputs[0]!.outputAbsolute, at('photos/small/2024/b.png'));
  });

  it('names a file argument by its basename and keeps the path as given for display', async () => {
    const [input] = await collectInputs([at('photos/2024/b.png')], 'out');
    assert.equal(input!.relative, 'b.png');
    assert.equal(input!.output, join('out', 'b.png'));
    assert.equal(input!.path, at('photos/2024/b.png'));
  });

  it('lists a file named twice once', async () => {
    const inputs = await collectInputs([at('photos/a.jpg'), at('photos/a.jpg')], at('out'));
    assert.equal(inputs.length, 1);
  });

  it('refuses an output folder that lands on an input, even through a link', async () => {
    await symlink(at('photos'), at('photos-link'));
    try {
      await assert.rejects(collectInputs([at('photos/a.jpg')], at('photos-link')), UsageError);
      await assert.rejects(collectInputs([at('photos')], at('photos')), /Refusing to overwrite/);
    } finally {
      await rm(at('photos-link'));
    }
  });

  it('refuses arguments that do not exist', async () => {
    await assert.rejects(collectInputs([at('missing')], at('out')), /Cannot read .*missing/);
  });
});

describe('readInput', () => {
  let work: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'squish-read-'));
    await writeFile(join(work, 'ten.bin'), Buffer.alloc(10, 7));
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('reads a file within the limit whole', async () => {
    const read = await readInput(join(work, 'ten.bin'), 10);
    assert.equal(read.kind, 'ok');
    assert.equal(read.kind === 'ok' && read.data.length, 10);
  });

  it('refuses a file over the limit from its size, returning only its head', async () => {
    const read = await readInput(join(work, 'ten.bin'), 9);
    assert.equal(read.kind, 'too-large');
    assert.equal(read.kind === 'too-large' && read.size, 10);
  });

  it('throws the I/O error of a file it cannot open', async () => {
    await assert.rejects(readInput(join(work, 'missing.bin'), 10), { code: 'ENOENT' });
  });
});
