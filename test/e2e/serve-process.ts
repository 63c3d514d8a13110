/**
 * Runs `squish serve` from source in its own process, as an operator would, and the `keys`
 * command next to it. The server is started with `--port 0`; its first stdout line
 * ("squish listening on <url>") says where it listens.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { runKeysCreate } from '../../src/cli/keys.js';
import type { CliStreams } from '../../src/cli/optimize/run-optimize.js';
import { serveStarted } from '../../src/cli/serve-start-lines.js';
import { type CliRun, runCli } from '../cli/run-cli.js';

const BIN = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));
/** tsx by absolute URL, so the CLI runs from any working folder. */
const TSX = import.meta.resolve('tsx');
const START_TIMEOUT_MS = 60_000;

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process printed on stderr so far (JSON logs). */
  stderr(): string;
  /** Sends a signal and resolves with the exit code (or the signal's name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Environment of a test server: the machine's, minus anything Squish reads, plus `env`. */
function serveEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('SQUISH_') && !/_proxy$/i.test(key)),
  );
  return { ...base, SQUISH_LOG_LEVEL: 'warn', ...env };
}

/**
 * Starts `squish serve --port 0` on a data folder. Without the api role there is no listening
 * line: the "roles:" line then says the node has started, and `url` is empty.
 */
export async function startServe(
  dataDir: string,
  env: Record<string, string> = {},
  roles?: string,
): Promise<ServeProcess> {
  const args = ['--import', TSX, BIN, 'serve', '--port', '0', '--data', dataDir, '--concurrency', '1'];
  if (roles) args.push('--roles', roles);
  const child = spawn(process.execPath, args, { env: serveEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit');
  const url = await serveStarted(child, {
    apiRole: !roles || roles.split(',').includes('api'),
    timeoutMs: START_TIMEOUT_MS,
    failure: (reason, stdout) => new Error(`serve ${reason}:\n${stdout}\n${stderr}`),
  });
  return {
    url,
    child,
    stderr: () => stderr,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const [code, signalName] = (await exited) as [number | null, NodeJS.Signals | null];
      return code ?? signalName ?? 'unknown';
    },
  };
}

/** Runs a `squish` command to its end, with the serve test environment. */
export function runSquish(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(args, { cwd: process.cwd(), env: serveEnv(env) });
}

/** Streams that keep what a command prints (the CLI functions write to these). */
export function captureStreams(): { streams: CliStreams; stdout(): string; stderr(): string } {
  let out = '';
  let err = '';
  const writer = (append: (text: string) => void) =>
    ({
      write: (chunk: string | Uint8Array) => {
        append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      },
    }) as unknown as NodeJS.WriteStream;
  return {
    streams: {
      stdout: writer((text) => {
        out += text;
      }),
      stderr: writer((text) => {
        err += text;
      }),
    },
    stdout: () => out,
    stderr: () => err,
  };
}

/**
 * Creates a key pair through `keys create --json`, run in this process (the same function the
 * command runs; the spawned command is tested in cli.test.ts) to spare a process start per key.
 */
export async function createKey(
  dataDir: string,
  options: { quota?: number; name?: string } = {},
): Promise<{ api_key: string; api_secret: string; signing_secret: string }> {
  const capture = captureStreams();
  const code = await runKeysCreate(
    { data: dataDir, json: true, name: options.name ?? 'e2e', quota: options.quota },
    capture.streams,
    {},
  );
  if (code !== 0) throw new Error(`keys create failed (${code}): ${capture.stderr()}`);
  return JSON.parse(capture.stdout()) as { api_key: string; api_secret: string; signing_secret: string };
}
