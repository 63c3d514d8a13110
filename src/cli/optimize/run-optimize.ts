/**
 * `squish optimize`: reads every input, runs it through the engine pool (up to `concurrency` files
 * at once, each in its own child process), writes every result under --out and reports, either as
 * a summary table or as one JSON line per file.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { EnginePool } from '../../engine/index.js';
import type { EngineResult, ImageFormat } from '../../engine/types.js';
import { isSquishError, isStorageFull, SquishError } from '../../errors/index.js';
import type { OptimizePlan } from '../../plan/index.js';
import { EXIT_USAGE, UsageError } from '../usage-error.js';
import { collectInputs, type InputFile } from './collect-inputs.js';
import { type FileReport, isRefusal, type SetOutputReport, toJsonLine } from './file-report.js';
import { outputName, possibleOutputNames } from './output-names.js';
import { createProgress } from './progress.js';
import { readInput } from './read-input.js';
import { formatSummary } from './summary.js';
import { writeOutput } from './write-output.js';

export interface OptimizeCommandOptions {
  /** Files and folders as given on the command line. */
  paths: string[];
  /** Output folder. */
  out: string;
  plan: OptimizePlan;
  /** One JSON object per file on stdout instead of the summary. */
  json: boolean;
  /** Files optimized at once (engine child processes). */
  concurrency: number;
}

export interface CliStreams {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** Exit status after Ctrl-C, as shells report a process killed by SIGINT. */
const EXIT_INTERRUPTED = 130;
/** Exit status when stdout's reader went away (`| head`), as shells report SIGPIPE. */
const EXIT_BROKEN_PIPE = 141;

/** What a file's processing needs from the engine. */
interface Engine {
  pool: Pick<EnginePool, 'run'>;
  detectFormat(bytes: Uint8Array): Promise<ImageFormat | undefined>;
  maxInputBytes: number;
}

/** One file to write: its name relative to --out and its bytes. */
interface PlannedWrite {
  name: string;
  result: EngineResult;
  id?: string;
}

/**
 * The files to write for `result`: one, or one per image-set entry, each named by output-names.ts.
 * @throws SquishError INTERNAL when the engine's answer does not match the plan (an entry without
 *   an output, or a format outside the asked-for ones, whose name was not checked for collisions).
 */
function plannedWrites(relative: string, plan: OptimizePlan, result: EngineResult): PlannedWrite[] {
  const entries = plan.outputs ?? [undefined];
  // Set outputs are matched by id, not by position, so a reordered answer cannot swap two names.
  const results = entries.map((entry) =>
    entry ? result.outputs?.find((output) => output.id === entry.id) : result,
  );
  const allowed = new Set(possibleOutputNames(relative, plan));
  return entries.map((entry, index) => {
    const output = results[index];
    if (!output) {
      throw new SquishError(
        'INTERNAL',
        `The engine returned no output for the image-set entry "${entry?.id}".`,
      );
    }
    const requested = (entry?.format ?? plan.format) !== undefined;
    const converted = requested && output.format !== result.inputFormat;
    const name = outputName(relative, { id: entry?.id, convertedTo: converted ? output.format : undefined });
    if (!allowed.has(name)) {
      throw new SquishError(
        'INTERNAL',
        `The engine returned ${output.format}, which the plan did not ask for.`,
      );
    }
    return { name, result: output, ...(entry ? { id: entry.id } : {}) };
  });
}

/** A message for an error that is not a SquishError (I/O, a bug), without its stack. */
function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Reads, optimizes and writes one file; never throws: every failure becomes the report's error. */
async function optimizeFile(
  input: InputFile,
  options: Pick<OptimizeCommandOptions, 'plan' | 'out'>,
  engine: Engine,
): Promise<FileReport> {
  const { plan } = options;
  const started = performance.now();
  const report: FileReport = {
    file: input.path,
    format: null,
    output: null,
    originalSize: null,
    optimizedSize: null,
    width: null,
    height: null,
    ms: 0,
    error: null,
    notes: [],
    unexpected: false,
  };
  const finish = (changes: Partial<FileReport>): FileReport => ({
    ...report,
    ...changes,
    ms: performance.now() - started,
  });

  let data: Uint8Array;
  try {
    const read = await readInput(input.absolute, engine.maxInputBytes);
    if (read.kind === 'too-large') {
      const error = new SquishError(
        'INPUT_TOO_LARGE',
        `The input is ${read.size} bytes, more than the limit of ${engine.maxInputBytes} bytes.`,
      );
      return finish({
        format: (await engine.detectFormat(read.head)) ?? null,
        originalSize: read.size,
        error: error.toReport(),
      });
    }
    data = read.data;
  } catch (error) {
    return finish({
      error: { code: 'INTERNAL', message: `Cannot read the file: ${describe(error)}` },
      unexpected: true,
    });
  }
  report.format = (await engine.detectFormat(data)) ?? null;
  report.originalSize = data.length;

  let result: EngineResult;
  try {
    result = await engine.pool.run(data, plan);
  } catch (error) {
    if (isSquishError(error)) return finish({ error: error.toReport(), unexpected: !isRefusal(error.code) });
    return finish({ error: { code: 'INTERNAL', message: describe(error) }, unexpected: true });
  }

  let writes: PlannedWrite[];
  try {
    writes = plannedWrites(input.relative, plan, result);
  } catch (error) {
    return finish({ error: (error as SquishError).toReport(), unexpected: true });
  }
  const written: SetOutputReport[] = [];
  for (const write of writes) {
    const output = join(options.out, write.name);
    try {
      // Written even when the engine kept the original bytes, so that --out holds every input.
      await writeOutput(join(resolve(options.out), write.name), write.result.data);
    } catch (error) {
      // A full disk is named as such (the output folder is the user's to free), like any failed write.
      const code = isStorageFull(error) ? 'STORAGE_FULL' : 'INTERNAL';
      return finish({
        error: { code, message: `Cannot write ${output}: ${describe(error)}` },
        unexpected: true,
      });
    }
    written.push({
      id: write.id ?? '',
      output,
      format: write.result.format,
      optimizedSize: write.result.data.length,
      width: write.result.width,
      height: write.result.height,
      notes: write.result.notes,
    });
  }
  if (!plan.outputs) {
    return finish({
      format: result.inputFormat,
      output: written[0]!.output,
      optimizedSize: written[0]!.optimizedSize,
      width: written[0]!.width,
      height: written[0]!.height,
      notes: written[0]!.notes,
    });
  }
  return finish({
    format: result.inputFormat,
    optimizedSize: written.reduce((total, output) => total + output.optimizedSize, 0),
    width: result.originalWidth,
    height: result.originalHeight,
    outputs: written,
  });
}

/** Refuses an --out that exists but is not a folder, before any work starts. */
async function checkOutFolder(out: string): Promise<void> {
  const stats = await stat(out).catch(() => undefined);
  if (stats && !stats.isDirectory()) throw new UsageError(`--out ${out} exists and is not a folder`);
}

/**
 * Runs `squish optimize` and returns its exit status: 0 when every file was optimized or clearly
 * refused (unsupported, corrupt, over a limit), 2 when any file failed unexpectedly.
 * @throws UsageError for unreadable arguments and output layouts that would overwrite an input.
 */
export async function runOptimize(options: OptimizeCommandOptions, streams: CliStreams): Promise<number> {
  const started = performance.now();
  await checkOutFolder(options.out);
  const inputs = await collectInputs(options.paths, options.out, (relative) =>
    possibleOutputNames(relative, options.plan),
  );
  if (inputs.length === 0) {
    streams.stderr.write('No files to optimize (hidden files are skipped).\n');
    return 0;
  }

  // Loaded here, not at the top: `squish doctor` and `--help` need none of the engine.
  const { EnginePool, detectFormat } = await import('../../engine/index.js');
  const pool = new EnginePool({ size: options.concurrency });
  const engine: Engine = { pool, detectFormat, maxInputBytes: pool.limits.maxInputBytes };
  const progress = createProgress(inputs.length, streams.stderr);
  const reports: FileReport[] = [];

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= pool.close();
    return closing;
  };
  // Ctrl-C, or a reader of the JSON lines that stopped reading: finish no more files, stop the
  // engine processes and leave no partial output behind.
  let interrupted: 'SIGINT' | 'EPIPE' | undefined;
  const onInterrupt = () => {
    interrupted ??= 'SIGINT';
    void close();
  };
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    interrupted ??= 'EPIPE';
    void close();
  };
  process.once('SIGINT', onInterrupt);
  streams.stdout.on('error', onStdoutError);

  try {
    let next = 0;
    // Each lane takes the next file when its previous one is done, so at most `concurrency`
    // inputs are in memory at once however many files there are.
    const lane = async () => {
      while (!interrupted && next < inputs.length) {
        const input = inputs[next++]!;
        const report = await optimizeFile(input, options, engine);
        if (interrupted) return;
        reports.push(report);
        progress.fileDone(report);
        if (options.json) streams.stdout.write(`${toJsonLine(report)}\n`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(pool.size, inputs.length) }, lane));
  } finally {
    process.off('SIGINT', onInterrupt);
    streams.stdout.off('error', onStdoutError);
    progress.stop();
    await close();
  }

  if (interrupted === 'EPIPE') return EXIT_BROKEN_PIPE;
  if (interrupted) {
    streams.stderr.write(`Interrupted after ${reports.length} of ${inputs.length} files.\n`);
    return EXIT_INTERRUPTED;
  }
  if (!options.json) streams.stdout.write(formatSummary(reports, performance.now() - started));
  return reports.some((report) => report.unexpected) ? EXIT_USAGE : 0;
}
