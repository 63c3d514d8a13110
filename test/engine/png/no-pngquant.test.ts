/**
 * Without Debian's pngquant the lossy path falls back to sharp's palette writer.
 * Runs in its own process (node --test isolates files), where PATH hides every tool.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import sharp from 'sharp';
import { pngOptimizer } from '../../../src/engine/codecs/png/index.js';
import { decodeToRgb, ssimulacra2 } from '../../../src/engine/metric/ssimulacra2.js';
import { findTool } from '../../../src/engine/tools/run-tool.js';
import { fixture, pngContext } from './context.js';

it('reaches the target with sharp when pngquant is missing, and says so', async () => {
  process.env.PATH = '';
  assert.equal(findTool('pngquant'), undefined);
  const input = fixture('pil-transparent.png');
  const candidate = await pngOptimizer.lossy(input, pngContext({ lossy: true }));
  assert.equal(candidate.lossless, false);
  assert.match(candidate.method, /^sharp palette/);
  assert.ok(candidate.notes?.some((note) => note.includes('pngquant is not installed')));
  assert.equal((await sharp(candidate.data).metadata()).isPalette, true);
  const score = await ssimulacra2(await decodeToRgb(input), await decodeToRgb(candidate.data));
  assert.ok(score >= 80, `score ${score.toFixed(1)}`);
});
