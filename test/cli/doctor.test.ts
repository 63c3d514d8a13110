/**
 * `squish doctor`, run as a child process: everything is installed on this machine; a PATH without
 * the Debian tools shows what a machine without them would be told.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from './run-cli.js';

interface DoctorReport {
  ok: boolean;
  capabilities: {
    name: string;
    present: boolean;
    version?: string;
    usedFor: string;
    degradedWithout: string;
  }[];
  install: { apt: string | null; npm: string | null };
}

const EXPECTED = [
  'sharp',
  'sharp:jpeg',
  'sharp:png',
  'sharp:gif',
  'sharp:webp',
  'sharp:avif',
  'sharp:svg',
  'svgo',
  'oxipng',
  'jpegtran',
  'gifsicle',
  'pngquant',
];

describe('squish doctor', () => {
  let work: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'squish-doctor-'));
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('lists every codec and tool with its version and exits 0 when all are present', async () => {
    const run = await runCli(['doctor'], { cwd: work });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (const name of EXPECTED) assert.match(run.stdout, new RegExp(`^${name}\\s+ok\\s+\\S`, 'm'), name);
    assert.match(run.stdout, /libvips 8\.\d+/);
    assert.match(run.stdout, /used for: +lossless JPEG/);
    assert.match(run.stdout, /All 12 components are present/);
    assert.doesNotMatch(run.stdout, /cwebp|avifenc/);
  });

  it('names what is missing and the apt-get line that installs it, and exits 1', async () => {
    // An empty PATH: the Debian tools cannot be found (node itself is spawned by absolute path).
    const run = await runCli(['doctor', '--json'], { cwd: work, env: { ...process.env, PATH: work } });
    assert.equal(run.code, 1, run.stderr);
    const report = JSON.parse(run.stdout) as DoctorReport;
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.capabilities.map((capability) => capability.name),
      EXPECTED,
    );
    const missing = report.capabilities.filter((capability) => !capability.present).map((c) => c.name);
    assert.deepEqual(missing, ['jpegtran', 'gifsicle', 'pngquant']);
    assert.match(report.install.apt ?? '', /apt-get install .*libjpeg-turbo-progs gifsicle pngquant$/);
    assert.equal(report.install.npm, null);
    for (const capability of report.capabilities) {
      assert.ok(capability.usedFor && capability.degradedWithout, capability.name);
    }
  });
});
