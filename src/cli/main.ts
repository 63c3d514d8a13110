/**
 * The `squish` command line: parses the arguments (commander) and runs the chosen command.
 * bin/squish.js calls `main` with process.argv and exits with the status it returns.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isSquishError } from '../errors/index.js';
import { DEFAULT_LOSSY_TARGET, parsePlan } from '../plan/index.js';
import { runDoctor } from './doctor.js';
import { type CliStreams, runOptimize } from './optimize/run-optimize.js';
import { EXIT_USAGE, UsageError } from './usage-error.js';

interface OptimizeFlags {
  out: string;
  lossy?: boolean;
  quality?: number;
  target?: number;
  keepIcc: boolean;
  keepOrientation: boolean;
  concurrency: number;
  json?: boolean;
}

/** Same path from src/cli (tsx) and dist/cli (compiled). */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** A commander argument parser for whole numbers in [min, max]. */
function integerIn(min: number, max: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || number < min || number > max) {
      throw new InvalidArgumentError(`Expected an integer from ${min} to ${max}.`);
    }
    return number;
  };
}

function numberIn(min: number, max: number) {
  return (value: string): number => {
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number) || number < min || number > max) {
      throw new InvalidArgumentError(`Expected a number from ${min} to ${max}.`);
    }
    return number;
  };
}

/** The validated plan for the flags; quality and target only make sense in lossy mode. */
function planFromFlags(flags: OptimizeFlags) {
  if (!flags.lossy && (flags.quality !== undefined || flags.target !== undefined)) {
    throw new UsageError('--quality and --target apply to lossy mode only: add --lossy');
  }
  try {
    return parsePlan({
      lossy: Boolean(flags.lossy),
      ...(flags.quality !== undefined ? { quality: flags.quality } : {}),
      ...(flags.target !== undefined ? { target: flags.target } : {}),
      keep: { icc: flags.keepIcc, orientation: flags.keepOrientation },
    });
  } catch (error) {
    if (isSquishError(error)) throw new UsageError(error.message);
    throw error;
  }
}

function buildProgram(streams: CliStreams, setStatus: (status: number) => void): Command {
  const program = new Command('squish')
    .description('Squish: makes images smaller, losslessly or to a perceptual target.')
    .version(packageVersion())
    .exitOverride()
    .configureOutput({
      writeOut: (text) => streams.stdout.write(text),
      writeErr: (text) => streams.stderr.write(text),
    })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('optimize')
    .description(
      'Optimize images (files, or folders walked recursively) into --out, keeping their relative names.',
    )
    .argument('<paths...>', 'image files or folders')
    .requiredOption('-o, --out <dir>', 'folder for the outputs (never one of the inputs)')
    .option('--lossy', 'perceptually lossy instead of pixel-exact')
    .option(
      '-q, --quality <n>',
      'fixed encoder quality 1-100 instead of the perceptual search',
      integerIn(1, 100),
    )
    .option(
      '-t, --target <score>',
      `SSIMULACRA2 score the lossy search aims at, 30-100 (default ${DEFAULT_LOSSY_TARGET})`,
      numberIn(30, 100),
    )
    .option('--no-keep-icc', 'drop the embedded ICC colour profile')
    .option('--no-keep-orientation', 'drop the EXIF orientation')
    .addOption(
      new Option('-c, --concurrency <n>', 'files optimized at once')
        .default(availableParallelism(), 'number of CPUs')
        .argParser(integerIn(1, 256)),
    )
    .option('--json', 'print one JSON object per file on stdout (JSON lines) instead of the summary')
    .addHelpText(
      'after',
      [
        '',
        'JSON lines come in the order files finish, one per input:',
        '  {"file","format","output","original_size","optimized_size","saved_bytes","width","height","ms","error"}',
        '',
        'Exit status: 0 when every file was optimized or clearly refused (not an image, corrupt, over a limit);',
        '2 for bad arguments, unreadable paths or a file that failed unexpectedly; 130 when interrupted.',
      ].join('\n'),
    )
    .action(async (paths: string[], flags: OptimizeFlags) => {
      const plan = planFromFlags(flags);
      setStatus(
        await runOptimize(
          { paths, out: flags.out, plan, json: Boolean(flags.json), concurrency: flags.concurrency },
          streams,
        ),
      );
    });

  program
    .command('doctor')
    .description(
      'List the codecs and tools Squish uses, whether each is installed, and how to install the rest.',
    )
    .option('--json', 'print the list as one JSON object')
    .addHelpText('after', '\nExit status: 0 when every component is present, 1 when something is missing.')
    .action(async (flags: { json?: boolean }) => {
      setStatus(await runDoctor({ json: Boolean(flags.json) }, streams.stdout));
    });

  return program;
}

/**
 * Runs the CLI with `argv` as in process.argv (node, script, arguments...) and returns the exit
 * status: 0 on success, 1 when `doctor` finds something missing, 2 for bad arguments, unreadable
 * paths and files that failed unexpectedly, 130 when interrupted.
 */
export async function main(argv: string[]): Promise<number> {
  const streams: CliStreams = { stdout: process.stdout, stderr: process.stderr };
  let status = 0;
  const program = buildProgram(streams, (code) => {
    status = code;
  });
  try {
    await program.parseAsync(argv);
    return status;
  } catch (error) {
    // Commander has already printed its own message (or the help / version).
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
    if (error instanceof UsageError) {
      streams.stderr.write(`error: ${error.message}\n`);
      return EXIT_USAGE;
    }
    streams.stderr.write(
      `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT_USAGE;
  }
}
