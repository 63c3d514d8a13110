/**
 * One category of the corpus: every file through every tool, one job at a time (so per-file times
 * compare), then the metrics of all outputs in the worker pool, after the timed part.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { MetricPool } from './metric-pool.js';
import type { MetricResult } from './metric-task.js';
import type { Progress } from './progress.js';
import { median } from './stats.js';
import type { BenchCategory, BenchTool, FileRow } from './types.js';

export interface CategoryOptions {
  /** Undefined with --no-metrics. */
  metrics?: MetricPool;
  progress: Progress;
}

export async function runCategory(
  category: BenchCategory,
  paths: readonly string[],
  tools: readonly BenchTool[],
  options: CategoryOptions,
): Promise<FileRow[]> {
  const runnable = tools.filter((tool) => !tool.unavailable);
  const inputs = await Promise.all(
    paths.map(async (path) => ({ name: basename(path), bytes: await readFile(path) })),
  );
  options.progress.add(inputs.length * runnable.length);
  await warmUp(runnable, inputs, options.progress);

  const rows: FileRow[] = [];
  const kept = new Map<FileRow, { original: Uint8Array; result: Uint8Array }>();
  for (const input of inputs) {
    for (const tool of runnable) {
      options.progress.show(`${category} ${tool.id} ${input.name}`);
      const row = await timedRun(category, tool, input.name, input.bytes);
      rows.push(row.row);
      if (row.output) kept.set(row.row, { original: input.bytes, result: row.output });
      options.progress.tick(`${category} ${tool.id} ${input.name}`);
    }
  }
  await retimeShortRuns(category, rows, inputs, runnable, options.progress);
  if (options.metrics) await measure(category, kept, options.metrics, options.progress);
  return rows;
}

/** Runs that finished sooner than this are timed in two more passes (see retimeShortRuns). */
const RETIME_BELOW_MS = 250;
const EXTRA_PASSES = 2;

/**
 * Times the short runs again in two more passes over the category and keeps each run's median.
 * A few milliseconds of scheduling noise on a shared 2-core machine is most of a 7 ms GIF's time:
 * with one draw per file the GIF time check swung between 0.7x and 1.9x from run to run with the
 * same code. The passes go over every file in turn, as the first did, rather than repeating a file
 * back to back, which would time an in-process tool (svgo) on an input its JIT has just seen: on
 * the SVGs that made svgo's median 27 ms instead of 37. Every tool gets the same treatment; the
 * outputs of the first pass are the ones measured.
 */
async function retimeShortRuns(
  category: BenchCategory,
  rows: FileRow[],
  inputs: readonly { name: string; bytes: Uint8Array }[],
  tools: readonly BenchTool[],
  progress: Progress,
): Promise<void> {
  const short = rows.filter((row) => row.ok && row.ms < RETIME_BELOW_MS);
  if (short.length === 0) return;
  const times = new Map(short.map((row) => [row, [row.ms]]));
  progress.add(short.length * EXTRA_PASSES);
  for (let pass = 0; pass < EXTRA_PASSES; pass++) {
    for (const input of inputs) {
      for (const tool of tools) {
        const row = short.find((candidate) => candidate.file === input.name && candidate.tool === tool.id);
        if (!row) continue;
        const started = performance.now();
        await tool.run(input.bytes);
        times.get(row)!.push(performance.now() - started);
        progress.tick(`${category} ${tool.id} ${input.name} (timing pass ${pass + 2})`);
      }
    }
  }
  for (const [row, samples] of times) row.ms = median(samples);
}

/**
 * Runs each tool once on the category's smallest file before timing, so the first timed file does
 * not pay for a WASM compile, a library load or the engine's child process start.
 */
async function warmUp(
  tools: readonly BenchTool[],
  inputs: readonly { name: string; bytes: Uint8Array }[],
  progress: Progress,
): Promise<void> {
  const smallest = [...inputs].sort((a, b) => a.bytes.length - b.bytes.length)[0];
  if (!smallest) return;
  for (const tool of tools) {
    progress.show(`warm-up ${tool.id}`);
    await tool.run(smallest.bytes).catch(() => undefined);
  }
}

async function timedRun(
  category: BenchCategory,
  tool: BenchTool,
  file: string,
  input: Uint8Array,
): Promise<{ row: FileRow; output?: Uint8Array }> {
  const base = {
    category,
    file,
    tool: tool.id,
    label: tool.label,
    lossy: tool.lossy,
    squish: tool.squish,
    inBytes: input.length,
  };
  const started = performance.now();
  try {
    const output = await tool.run(input);
    const ms = performance.now() - started;
    if (output.data.length === 0) throw new Error('empty output');
    // Never larger: when a reference's output is not smaller, the original is what the user keeps.
    // Squish applies that rule itself (and may return a larger, sanitised SVG), so its output is kept as is.
    const useOutput = tool.squish
      ? output.data !== input && !sameBytes(output.data, input)
      : output.data.length < input.length;
    const row: FileRow = {
      ...base,
      ok: true,
      outBytes: output.data.length,
      keptBytes: useOutput ? output.data.length : input.length,
      ms,
      ...(output.peakRssBytes === undefined ? {} : { peakRssBytes: output.peakRssBytes }),
      ...(output.method ? { method: output.method } : {}),
      ...(output.note ? { note: output.note } : {}),
      ...(output.engineScore === undefined ? {} : { engineScore: output.engineScore }),
    };
    return { row, output: useOutput ? output.data : input };
  } catch (error) {
    const ms = performance.now() - started;
    return { row: { ...base, ok: false, error: describe(error), ms } };
  }
}

/**
 * Pixel-exactness of lossless rows and SSIMULACRA2 of lossy rows (and of every SVG row). Outputs
 * that several tools share (Squish often returns exactly what gifsicle or svgo make) are measured once.
 */
async function measure(
  category: BenchCategory,
  kept: Map<FileRow, { original: Uint8Array; result: Uint8Array }>,
  pool: MetricPool,
  progress: Progress,
): Promise<void> {
  const measured = new Map<string, Promise<MetricResult>>();
  const pending: Promise<void>[] = [];
  for (const [row, { original, result }] of kept) {
    if (result === original) {
      // The original was kept: identical by construction.
      if (row.lossy || category === 'svg') row.score = 100;
      else row.exact = true;
      continue;
    }
    const kind = row.lossy ? 'score' : 'exact';
    const key = `${kind}:${digest(original)}:${digest(result)}`;
    let metric = measured.get(key);
    if (!metric) {
      metric = pool.run({ category, kind, original, output: result });
      measured.set(key, metric);
    }
    pending.push(
      metric.then((value) => {
        Object.assign(row, value);
        progress.tick(`metrics ${category} ${row.tool} ${row.file}`);
      }),
    );
  }
  progress.add(pending.length);
  await Promise.all(pending);
}

function digest(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function describe(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    return `${error.code}: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}
