/**
 * Image-set benchmark: `npm run bench:sets`.
 *
 * One 10-entry image set from the 12 MP corpus photo (decoded once) against the same 10 outputs
 * made by 10 separate optimize() runs (each decoding the photo again). Runs in this process,
 * sequentially, set first then separate runs, `--rounds N` times (default 1); prints per-output
 * sizes and times and the wall-time ratio as a table. The outputs must match in format and size.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import Table from 'cli-table3';
import { optimize } from '../src/engine/optimize.js';
import type { EngineResult } from '../src/engine/types.js';
import { type OutputSpec, type PlanInput, parsePlan } from '../src/plan/index.js';
import { corpusFile } from './lib/corpus.js';

const PHOTO = corpusFile('jpeg/exif-42_IndexError_12MP.jpg');

/** Every resize strategy family and every raster output format, lossless and lossy. */
const ENTRIES: PlanInput['outputs'] & object = [
  { id: 'square-150', resize: { strategy: 'square', size: 150 }, lossy: true },
  { id: 'auto-320', resize: { strategy: 'auto', width: 320, height: 320 }, lossy: true },
  { id: 'webp-640', resize: { strategy: 'auto', width: 640, height: 640 }, format: 'webp', lossy: true },
  { id: 'jpeg-1024', resize: { strategy: 'auto', width: 1024, height: 1024 }, lossy: true, target: 85 },
  {
    id: 'avif-800',
    resize: { strategy: 'fit', width: 800, height: 600, gravity: 'attention' },
    format: 'avif',
    lossy: true,
  },
  { id: 'png-crop', resize: { strategy: 'crop', width: 400, height: 400 }, format: 'png' },
  { id: 'webp-exact', resize: { strategy: 'exact', width: 300, height: 200 }, format: 'webp' },
  { id: 'landscape-1200', resize: { strategy: 'landscape', width: 1200 }, lossy: true, quality: 75 },
  { id: 'fill-500', resize: { strategy: 'fill', width: 500, height: 500 }, format: 'png', lossy: true },
  {
    id: 'portrait-480',
    resize: { strategy: 'portrait', height: 480 },
    format: ['webp', 'jpeg'],
    lossy: true,
  },
];

function rounds(): number {
  const at = process.argv.indexOf('--rounds');
  const value = at >= 0 ? Number(process.argv[at + 1]) : 1;
  return Number.isInteger(value) && value > 0 ? value : 1;
}

async function main(): Promise<void> {
  const input = new Uint8Array(readFileSync(PHOTO));
  const entries = ENTRIES as OutputSpec[];
  const setPlan = parsePlan({ outputs: ENTRIES });
  const separatePlans = entries.map(({ id: _id, ...overrides }) => parsePlan(overrides as PlanInput));
  // One warm-up output, so that module loading and the metric's WebAssembly set-up are not timed.
  await optimize(input, separatePlans[1]!);

  const setTimes: number[] = [];
  const separateTimes: number[] = [];
  let set: EngineResult | undefined;
  const separate: { result: EngineResult; ms: number }[] = [];
  for (let round = 0; round < rounds(); round++) {
    let started = performance.now();
    set = await optimize(input, setPlan);
    setTimes.push(performance.now() - started);
    separate.length = 0;
    started = performance.now();
    for (const plan of separatePlans) {
      const one = performance.now();
      const result = await optimize(input, plan);
      separate.push({ result, ms: performance.now() - one });
    }
    separateTimes.push(performance.now() - started);
  }
  const outputs = set?.outputs ?? [];

  const table = new Table({
    head: ['output', 'format', 'size', 'set: bytes', 'separate: bytes', 'separate run ms'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right'],
  });
  outputs.forEach((output, index) => {
    const alone = separate[index]!;
    const same = alone.result.format === output.format && alone.result.width === output.width;
    table.push([
      output.id,
      output.format + (same ? '' : ` (separate: ${alone.result.format})`),
      `${output.width}x${output.height}`,
      output.optimizedSize,
      alone.result.optimizedSize,
      Math.round(alone.ms),
    ]);
  });
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const setMs = median(setTimes);
  const separateMs = median(separateTimes);
  const summary = new Table({
    head: ['', 'wall ms (median)', 'ratio'],
    colAligns: ['left', 'right', 'right'],
  });
  summary.push(
    ['image set (decode once)', Math.round(setMs), '1.00'],
    ['10 separate runs', Math.round(separateMs), (separateMs / setMs).toFixed(2)],
  );
  console.log(
    `Photo: ${PHOTO} (${input.length} bytes), rounds: ${setTimes.length}, load average ${loadavg()[0]!.toFixed(2)}`,
  );
  console.log(table.toString());
  console.log(summary.toString());
  if (setMs >= separateMs) {
    console.log('The image set was not faster than the separate runs.');
    process.exitCode = 1;
  }
}

await main();
