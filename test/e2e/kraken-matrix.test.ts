/**
 * Every input format against every option group of the compat spec (B1.4, B1.5), through the
 * official `kraken` client and a real `squish serve`: each answer has the contract's shape, each
 * download matches its report (bytes, Content-Length, decoded size) and is in the format the
 * options ask for, results that transform nothing are never larger and, lossless, keep every
 * pixel, and animations keep their timing and loop count (identical neighbouring frames may be
 * merged, their delays added up). The other end-to-end tests check what each option does; this one
 * checks that no combination breaks these invariants.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { decodeGifFrames, sameAnimation } from '../../src/engine/decode/gif-frames.js';
import { assertSamePixels } from '../helpers/pixels.js';
import { assertResultShape, downloadResult } from './e2e-fixtures.js';
import { type KrakenBody, krakenClient, plain } from './kraken-client.js';
import { createKey, type ServeProcess, startServe } from './serve-process.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** One file per input kind the engine reads (attribution in each folder's SOURCES.md). */
const INPUTS = [
  'jpeg/pil-sample_cmyk.jpg', // CMYK JPEG
  'jpeg/pil-sugarshack_mpo.jpg', // MPO: a JPEG followed by a second image
  'png/pngsuite-basn6a16.png', // 16-bit RGBA
  'png/pngsuite-tbbn3p08.png', // palette with transparency
  'gif/pil-chi-anim.gif', // animated GIF with identical neighbouring frames
  'webp/chi-anim-lossless.webp', // animated WebP, uneven delays, loop count 3
  'avif/transparent-10bit.avif', // 10-bit AVIF with alpha
  'svg/oc-star_75pt08step.svg',
] as const;

type Options = Record<string, unknown>;

/** The Content-Type a download of each format (as sharp names it) must have. */
const CONTENT_TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  heif: 'image/avif',
  svg: 'image/svg+xml',
};

/** The option groups of B1.4 and B1.5, one request each per input. */
const OPTION_GROUPS: Record<string, Options> = {
  lossless: {},
  lossy: { lossy: true },
  'fixed quality': { lossy: true, quality: 40 },
  'sampling 4:4:4': { lossy: true, sampling_scheme: '4:4:4' },
  'sampling typo of kraken-net': { lossy: true, sampling_scheme: '4:2:4' },
  'metadata kept, auto-oriented': {
    preserve_meta: ['profile', 'date', 'copyright', 'geotag', 'orientation'],
    auto_orient: true,
  },
  webp: { webp: true },
  'webp lossy': { webp: true, lossy: true },
  'convert to jpeg on a colour': { convert: { format: 'jpeg', background: '#ff0000' } },
  'convert to png': { convert: { format: 'png' } },
  'convert to gif': { convert: { format: 'gif' } },
  'resize exact': { resize: { strategy: 'exact', width: 100, height: 50 } },
  'resize portrait': { resize: { strategy: 'portrait', height: 64 } },
  'resize auto': { resize: { strategy: 'auto', width: 80, height: 80 } },
  'resize fit, north-east': { resize: { strategy: 'fit', width: 60, height: 90, crop_mode: 'ne' } },
  'resize crop, scaled': { resize: { strategy: 'crop', width: 40, height: 40, crop_mode: 'se', scale: 50 } },
  'resize square': { resize: { strategy: 'square', size: 70 } },
  'resize fill, translucent': {
    resize: { strategy: 'fill', width: 120, height: 40, background: 'rgba(0,0,255,0.5)' },
  },
  'resize enlarged, enhanced': { resize: { strategy: 'exact', width: 600, height: 600, enhance: true } },
  'image set with overrides': {
    resize: [
      { id: 'a', strategy: 'auto', width: 50, height: 50 },
      { id: 7, strategy: 'none', lossy: true },
      { id: 'c', strategy: 'fit', width: 30, height: 30, quality: 60 },
    ],
  },
};

let dataDir: string;
let serve: ServeProcess;
let key: { api_key: string; api_secret: string };

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'squish-matrix-'));
  key = await createKey(dataDir);
  serve = await startServe(dataDir);
});

after(async () => {
  const code = await serve?.stop('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
  assert.equal(code, 0, `graceful exit; stderr:\n${serve?.stderr()}`);
});

/** The format sharp reports for what `options` deliver from `input` (sharp calls AVIF "heif"). */
function expectedFormat(input: string, options: Options): string {
  if (options.webp === true) return 'webp';
  const convert = options.convert as { format: string } | undefined;
  if (convert) return convert.format;
  const extension = path.extname(input).slice(1);
  return { jpg: 'jpeg', avif: 'heif' }[extension] ?? extension;
}

/** Whether the options only optimize: no resize, conversion or WebP output. */
function transformsNothing(options: Options): boolean {
  return options.resize === undefined && options.convert === undefined && options.webp === undefined;
}

/** Total display time of an animation in ms, and its loop count; undefined for one frame. */
async function timing(bytes: Uint8Array): Promise<{ ms: number; loop: number } | undefined> {
  const meta = await sharp(bytes).metadata();
  if ((meta.pages ?? 1) < 2) return undefined;
  return { ms: (meta.delay ?? []).reduce((sum, delay) => sum + delay, 0), loop: meta.loop ?? 0 };
}

/**
 * Asserts that a lossless result shows what its input shows: the same pixels, and for a GIF the
 * same canvas at every instant (gifsicle merges identical neighbouring frames, so the frame lists
 * may differ).
 */
async function assertSameImage(
  input: Uint8Array,
  output: Uint8Array,
  format: string | undefined,
  label: string,
) {
  if (format !== 'gif') return assertSamePixels(input, output, label);
  const verdict = sameAnimation(decodeGifFrames(input), decodeGifFrames(output));
  assert.ok(verdict.equal, `${label}: ${verdict.detail}`);
}

async function checkOne(file: string, group: string, options: Options): Promise<void> {
  const label = `${file}, ${group}`;
  const input = readFileSync(path.join(FIXTURES, file));
  const client = krakenClient(key, serve.url);
  const body: KrakenBody = plain(
    await client.upload({ file: { value: input, filename: path.basename(file) }, wait: true, ...options }),
  );
  assert.equal(body.success, true, `${label}: ${JSON.stringify(body)}`);
  const entries = body.results
    ? Object.entries(body.results as Record<string, Record<string, unknown>>)
    : [['', body] as const];
  if (Array.isArray(options.resize)) {
    const ids = options.resize.map((entry: { id: unknown }) => String(entry.id)).sort();
    assert.deepEqual(entries.map(([id]) => id).sort(), ids, `${label}: one result per set entry`);
  }
  const inputTiming = await timing(input);
  for (const [id, result] of entries) {
    const where = id ? `${label} [${id}]` : label;
    assertResultShape(result, where);
    assert.equal(result.original_size, input.length, `${where}: original_size`);
    const { bytes, format, response } = await downloadResult(result, where);
    assert.equal(format, expectedFormat(file, options), `${where}: format`);
    assert.equal(response.headers.get('content-type'), CONTENT_TYPES[format!], `${where}: Content-Type`);
    const setEntry = Array.isArray(options.resize)
      ? (options.resize as Options[]).find((entry) => String(entry.id) === id)
      : undefined;
    const onlyOptimized = transformsNothing(options) || setEntry?.strategy === 'none';
    if (onlyOptimized) {
      assert.ok((result.kraked_size as number) <= input.length, `${where}: never larger`);
    }
    const lossless = options.lossy !== true && setEntry?.lossy !== true && setEntry?.quality === undefined;
    if (onlyOptimized && lossless && format !== 'svg' && options.auto_orient !== true) {
      await assertSameImage(input, bytes, format, where);
    }
    const outputTiming = await timing(bytes);
    if (inputTiming && outputTiming) {
      assert.deepEqual(outputTiming, inputTiming, `${where}: the animation's duration and loop count`);
    }
  }
}

for (const [group, options] of Object.entries(OPTION_GROUPS)) {
  test(`every input format, ${group}: answers and downloads keep the contract`, async () => {
    await Promise.all(INPUTS.map((file) => checkOne(file, group, options)));
  });
}
