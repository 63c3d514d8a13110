/**
 * Output names under conversion and image sets, and the collision checks that use every name an
 * input may get (the format of a "smallest of" list is known only after the run).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collectInputs } from '../../src/cli/optimize/collect-inputs.js';
import { outputName, possibleOutputNames } from '../../src/cli/optimize/output-names.js';
import { parsePlan } from '../../src/plan/index.js';

describe('outputName', () => {
  it('keeps the name unless the format changed, then swaps or appends the extension', () => {
    assert.equal(outputName('photos/a.png'), 'photos/a.png');
    assert.equal(outputName('photos/a.png', { convertedTo: 'webp' }), 'photos/a.webp');
    assert.equal(outputName('a.JPEG', { convertedTo: 'png' }), 'a.png');
    assert.equal(outputName('a.png', { convertedTo: 'jpeg' }), 'a.jpg');
    assert.equal(outputName('scan.001', { convertedTo: 'avif' }), 'scan.001.avif');
    assert.equal(outputName('noext', { convertedTo: 'gif' }), 'noext.gif');
  });

  it('puts an image-set id before the extension', () => {
    assert.equal(outputName('a.jpg', { id: 'small' }), 'a.small.jpg');
    assert.equal(outputName('a.png', { id: '2', convertedTo: 'webp' }), 'a.2.webp');
    assert.equal(outputName('noext', { id: 'x' }), 'noext.x');
  });
});

describe('possibleOutputNames', () => {
  it('lists the unchanged name and every asked-for format, per set entry', () => {
    assert.deepEqual(possibleOutputNames('a.png', parsePlan({})), ['a.png']);
    assert.deepEqual(possibleOutputNames('a.png', parsePlan({ format: ['webp', 'avif'] })), [
      'a.png',
      'a.webp',
      'a.avif',
    ]);
    assert.deepEqual(
      possibleOutputNames(
        'a.png',
        parsePlan({ format: 'jpeg', outputs: [{ id: 's' }, { id: 'l', format: 'png' }] }),
      ),
      ['a.s.png', 'a.s.jpg', 'a.l.png'],
    );
  });
});

describe('collectInputs with converted names', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'squish-names-'));
    await mkdir(join(work, 'in'));
    await writeFile(join(work, 'in/a.png'), 'a');
    await writeFile(join(work, 'in/a.webp'), 'b');
    await writeFile(join(work, 'in/b.png'), 'c');
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('refuses two inputs that one conversion would write to the same file', async () => {
    const plan = parsePlan({ format: 'webp' });
    await assert.rejects(
      collectInputs([join(work, 'in')], join(work, 'out'), (name) => possibleOutputNames(name, plan)),
      /in\/a\.png and .*in\/a\.webp would both be written to .*out\/a\.webp/,
    );
  });

  it('accepts a set whose outputs differ by id, and refuses an --out where a converted name lands on an input', async () => {
    const set = parsePlan({ format: 'webp', outputs: [{ id: 'x' }, { id: 'y' }] });
    const inputs = await collectInputs(
      [join(work, 'in/a.png'), join(work, 'in/b.png')],
      join(work, 'out'),
      (name) => possibleOutputNames(name, set),
    );
    assert.equal(inputs.length, 2);
    await assert.rejects(
      collectInputs([join(work, 'in')], join(work, 'out'), (name) => possibleOutputNames(name, set)),
      /would both be written to .*out\/a\.x\.webp/,
    );
    const plan = parsePlan({ format: 'webp' });
    await assert.rejects(
      collectInputs([join(work, 'in/a.png')], join(work, 'in'), (name) => possibleOutputNames(name, plan)),
      /Refusing to overwrite the input/,
    );
  });
});
