import { availableParallelism } from 'node:os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { packageVersion } from '../config/index.js';
import { isSquishError, isStorageFull } from '../errors/index.js';
import {
  DEFAULT_LOSSY_TARGET,
  GRAVITIES,
  MAX_OUTPUTS,
  RESIZE_STRATEGIES,
  SMART_GRAVITIES,
} from '../plan/index.js';
import type { KeysFlags } from './keys.js';
import { MAX_GRACE_HOURS } from './keys-limits.js';
import { buildPlan, type PlanFlags } from './optimize/build-plan.js';
import { readPlanFile } from './optimize/plan-file.js';
import type { CliStreams } from './optimize/run-optimize.js';
import type { ServeFlags } from './serve.js';
import { EXIT_USAGE, UsageError } from './usage-error.js';
import type { WebhooksListFlags } from './webhooks.js';

// Each command's module is imported when that command runs, not with the program: `doctor` probes
// every codec (so its module loads the whole engine, sharp and svgo with it), `optimize` its
// progress bar and tables, `serve` the server. Imported up front they made every command start
// as slowly as the slowest: `squish --version` and `keys list` took 0.9 s, and `serve` loaded the
// engine it runs in other processes.
const doctor = () => import('./doctor.js');
const keysCommands = () => import('./keys.js');
const optimizeCommand = () => import('./optimize/run-optimize.js');
const serveCommand = () => import('./serve.js');
const webhooksCommands = () => import('./webhooks.js');

interface OptimizeFlags extends Omit<PlanFlags, 'keepIcc' | 'keepOrientation'> {
  out: string;
  keepIcc: boolean;
  keepOrientation: boolean;
  plan?: string;
  concurrency: number;
  json?: boolean;
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

/**
 * The validated plan for the flags and the --plan file. --no-keep-icc / --no-keep-orientation count
 * only when typed (commander fills in their default true otherwise), so that they do not undo the
 * file's or --preserve-meta's choice.
 */
async function planFromFlags(flags: OptimizeFlags, command: Command) {
  const typed = (key: string) => command.getOptionValueSource(key) === 'cli';
  const file =
    flags.plan !== undefined ? { path: flags.plan, plan: await readPlanFile(flags.plan) } : undefined;
  return buildPlan(
    {
      ...flags,
      keepIcc: typed('keepIcc') ? flags.keepIcc : undefined,
      keepOrientation: typed('keepOrientation') ? flags.keepOrientation : undefined,
    },
    file,
  );
}

/** The --help text about transforms, naming and the JSON lines. */
const OPTIMIZE_HELP = [
  '',
  '--resize takes comma-separated key=value pairs (a bare first word is the strategy):',
  `  strategy   ${RESIZE_STRATEGIES.join(', ')}`,
  '  width, height, size (square), scale (percent, after crop), background (fill), enhance',
  `  gravity    ${[...GRAVITIES, ...SMART_GRAVITIES].join(', ')}`,
  '  x, y       top-left corner of an explicit crop rectangle of width x height',
  '  landscape fixes the width and portrait the height (as the Kraken WordPress plugin sends them);',
  '  portrait, landscape and auto never enlarge.',
  '  e.g. --resize fit,width=800,height=600,gravity=attention   --resize crop,x=10,y=20,width=300,height=200,scale=50',
  '',
  '--plan takes a JSON plan as the engine receives it, e.g.',
  '  {"lossy":true,"format":"webp","outputs":[{"id":"small","resize":{"strategy":"auto","width":320,"height":320}},',
  `   {"id":"large","quality":85}]}   (image sets: up to ${MAX_OUTPUTS} outputs from one decode)`,
  'Flags given with --plan override its fields; --preserve-meta replaces its "keep".',
  '',
  'Output names: the relative name of the input under --out. When --convert changes the format,',
  'the extension changes too (photo.png -> photo.webp). Each output of an image set is written to',
  '<name>.<id>.<ext> (photo.jpg -> photo.small.jpg, photo.large.jpg).',
  '',
  'JSON lines come in the order files finish, one per input:',
  '  {"file","format","output","original_size","optimized_size","saved_bytes","width","height","ms","error","notes"}',
  'format is the input\'s; width and height are the output\'s. For an image set, "output" is null,',
  "optimized_size is the total of its outputs, width and height are the input's, and",
  '"outputs": [{"id","output","format","optimized_size","width","height","notes"}] lists each output.',
  '',
  'Exit status: 0 when every file was optimized or clearly refused (not an image, corrupt, over a limit);',
  '2 for bad arguments, unreadable paths or a file that failed unexpectedly; 130 when interrupted.',
].join('\n');

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
    .option('--resize <steps>', 'resize or crop, e.g. strategy=fit,width=800,height=600 (keys below)')
    .option(
      '--convert <formats>',
      'output format: jpeg (or jpg), png, gif, webp, avif or svg; a list = the smallest of these',
    )
    .option(
      '--background <colour>',
      'colour transparency is flattened onto for formats without alpha (default white)',
    )
    .option(
      '--preserve-meta <groups>',
      'keep exactly these metadata groups: profile, date, copyright, geotag, orientation, or none (default: profile and orientation)',
    )
    .option('--auto-orient', 'turn the pixels as the EXIF orientation says and drop the tag')
    .option('--sampling <scheme>', 'JPEG chroma subsampling: 4:2:0, 4:2:2 or 4:4:4')
    .option('--plan <file>', 'a whole plan as JSON (image sets in "outputs"); flags override its fields')
    .option('--json', 'print one JSON object per file on stdout (JSON lines) instead of the summary')
    .addHelpText('after', OPTIMIZE_HELP)
    .action(async (paths: string[], flags: OptimizeFlags, command: Command) => {
      const plan = await planFromFlags(flags, command);
      const { runOptimize } = await optimizeCommand();
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
      const { runDoctor } = await doctor();
      setStatus(await runDoctor({ json: Boolean(flags.json) }, streams.stdout));
    });

  program
    .command('serve')
    .description('Run the Squish service: the Kraken-compatible API, workers, webhooks and janitor.')
    .option('--port <n>', 'TCP port (0 picks a free one) [SQUISH_PORT, default 8080]')
    .option('--host <address>', 'address to listen on [SQUISH_HOST, default 127.0.0.1]')
    .option('--data <dir>', 'folder of the database and stored files [SQUISH_DATA_DIR, default ./data]')
    .option('--roles <list>', 'roles to run: api,worker,webhooks,janitor [SQUISH_ROLES, default all]')
    .option('--public-url <url>', 'base URL of download links [SQUISH_PUBLIC_URL]')
    .option('--concurrency <n>', 'images optimized at once [SQUISH_WORKER_CONCURRENCY, default cores]')
    .option('--log-level <level>', 'log level of the JSON logs on stderr [SQUISH_LOG_LEVEL, default info]')
    .action(async (flags: ServeFlags) => {
      const { runServe } = await serveCommand();
      setStatus(await runServe(flags, streams));
    });

  // `--data` belongs to `keys` and `webhooks` themselves, so it may come before or after the
  // subcommand (`squish keys --data d create`, `squish keys create --data d`; the last one given
  // wins). The actions read it with optsWithGlobals; each subcommand's help lists it.
  const dataOption = () => new Option('--data <dir>', 'data folder [SQUISH_DATA_DIR, default ./data]');
  const keys = program
    .command('keys')
    .description('Manage API key pairs (stored in the data folder).')
    .addOption(dataOption())
    .configureHelp({ showGlobalOptions: true });
  keys
    .command('create')
    .description('Create a key pair and its webhook signing secret; the api_secret is shown only once.')
    .option('--name <name>', 'a name to recognise the key by', 'default')
    .option(
      '--quota <bytes>',
      'bytes the key may process in all (default unlimited)',
      integerIn(0, Number.MAX_SAFE_INTEGER),
    )
    .option('--json', 'print {"api_key","api_secret","signing_secret"}')
    .action(async (_flags: unknown, command: Command) => {
      const { runKeysCreate } = await keysCommands();
      setStatus(
        await runKeysCreate(
          command.optsWithGlobals<KeysFlags & { name?: string; quota?: number }>(),
          streams,
        ),
      );
    });
  keys
    .command('list')
    .description('List every key pair with its status, quota and use.')
    .option('--json', 'print a JSON array')
    .option(
      '--show-signing-secret',
      'show the webhook signing secret of each key (and the previous one in its grace)',
    )
    .action(async (_flags: unknown, command: Command) => {
      const { runKeysList } = await keysCommands();
      setStatus(
        await runKeysList(command.optsWithGlobals<KeysFlags & { showSigningSecret?: boolean }>(), streams),
      );
    });
  keys
    .command('rotate-signing-secret')
    .description(
      'Give a key a new webhook signing secret; callbacks are signed with the old one too during the grace period.',
    )
    .argument('<api_key>', 'the public key')
    .option(
      '--grace-hours <n>',
      `hours the old secret stays valid, 0-${MAX_GRACE_HOURS} (default 24)`,
      integerIn(0, MAX_GRACE_HOURS),
    )
    .option('--json', 'print {"api_key","signing_secret"}')
    .action(async (apiKey: string, _flags: unknown, command: Command) => {
      const { runKeysRotateSigningSecret } = await keysCommands();
      setStatus(
        await runKeysRotateSigningSecret(
          apiKey,
          command.optsWithGlobals<KeysFlags & { graceHours?: number }>(),
          streams,
        ),
      );
    });
  for (const action of ['revoke', 'suspend', 'activate'] as const) {
    keys
      .command(action)
      .description(
        {
          revoke: 'Revoke a key pair for good.',
          suspend: 'Suspend a key pair (requests answer 403) until it is activated.',
          activate: 'Activate a suspended key pair again.',
        }[action],
      )
      .argument('<api_key>', 'the public key')
      .action(async (apiKey: string, _flags: unknown, command: Command) => {
        const { runKeysChange } = await keysCommands();
        setStatus(await runKeysChange(action, apiKey, command.optsWithGlobals<KeysFlags>(), streams));
      });
  }

  const webhooks = program
    .command('webhooks')
    .description(
      'Inspect and re-send webhook (callback) deliveries (in the data folder or SQUISH_DATABASE_URL).',
    )
    .addOption(dataOption())
    .configureHelp({ showGlobalOptions: true });
  webhooks
    .command('list')
    .description('List webhook deliveries, newest first, with every attempt (HTTP status, latency, error).')
    .addOption(
      new Option('--status <status>', 'only deliveries in this state').choices([
        'pending',
        'delivered',
        'dead',
      ]),
    )
    .option('--key <api_key>', "only this key's deliveries")
    .addOption(
      new Option('--limit <n>', 'deliveries shown at most').default(50).argParser(integerIn(1, 100_000)),
    )
    .option('--json', 'print one JSON object per delivery (JSON lines), as the API shows them')
    .action(async (_flags: unknown, command: Command) => {
      const { runWebhooksList } = await webhooksCommands();
      setStatus(await runWebhooksList(command.optsWithGlobals<WebhooksListFlags>(), streams));
    });
  webhooks
    .command('redeliver')
    .description(
      'Send a delivery again (dead, delivered or pending): it becomes pending, due now, for the running webhooks role.',
    )
    .argument('<id>', 'the delivery id (32 hex, from `squish webhooks list`)')
    .option(
      '--wait <seconds>',
      'wait up to this long for the attempt and print how it went',
      integerIn(1, 3600),
    )
    .option('--json', 'print the delivery as JSON')
    .addHelpText(
      'after',
      '\nExit status: 0 when the delivery was queued again (with --wait: and delivered), 1 when there is no\nsuch delivery, 3 with --wait when the attempt failed or was not made in time.',
    )
    .action(async (id: string, _flags: unknown, command: Command) => {
      const { runWebhooksRedeliver } = await webhooksCommands();
      setStatus(
        await runWebhooksRedeliver(
          id,
          command.optsWithGlobals<{ data?: string; json?: boolean; wait?: number }>(),
          streams,
        ),
      );
    });

  return program;
}

/** The messages of an error's causes, one per line (at most 5 deep). */
function causeChain(cause: unknown, depth = 0): string {
  if (cause === undefined || depth >= 5) return '';
  const message = cause instanceof Error ? cause.message : String(cause);
  return `\n  cause: ${message}${cause instanceof Error ? causeChain(cause.cause, depth + 1) : ''}`;
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
    if (isSquishError(error)) {
      // An expected failure (a database that cannot be reached, ...): its message and causes, no stack.
      streams.stderr.write(`error: ${error.message}${causeChain(error.cause)}\n`);
      return EXIT_USAGE;
    }
    if (isStorageFull(error)) {
      // The operator's to fix (free space, or point --data elsewhere), not a bug: no stack.
      streams.stderr.write(
        `error: no room left on the disk; free some space or use another data folder (--data)${causeChain(error)}\n`,
      );
      return EXIT_USAGE;
    }
    if (isSystemError(error)) {
      // The file system refused (a data folder under a file, read-only, missing): Node's message
      // names the call and the path; a stack would only bury it.
      streams.stderr.write(`error: ${error.message}\n`);
      return EXIT_USAGE;
    }
    streams.stderr.write(
      `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT_USAGE;
  }
}

/** An error the operating system raised for a call (Node's system errors carry `code` and `syscall`). */
function isSystemError(error: unknown): error is Error & { code: string; syscall: string } {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { syscall?: unknown }).syscall === 'string'
  );
}
