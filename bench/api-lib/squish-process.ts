/**
 * `squish serve` and `squish keys create` for the benchmarks, from the build in dist/
 * (`bin/squish.js`, what `npx squish` runs): from source, every engine process would first spend
 * about a second of CPU compiling TypeScript, which users never pay.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { serveStarted } from '../../src/cli/serve-start-lines.js';

const BIN = fileURLToPath(new URL('../../bin/squish.js', import.meta.url));
const START_TIMEOUT_MS = 60_000;

export interface ServeOptions {
  dataDir: string;
  /** `--roles` (default: every role). */
  roles?: string;
  /** `--concurrency`: engine processes of the worker role. */
  concurrency: number;
  /** The node's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

export interface RunningSquish {
  /** Where the API listens; empty without the api role. */
  url: string;
  child: ChildProcess;
  /** Date.now() when the node said it had started. */
  startedAt: number;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `squish serve --port 0` and resolves once the node has started: with the api role on its
 * "listening" line (giving the URL), else on its "roles:" line.
 */
export async function startSquish(options: ServeOptions): Promise<RunningSquish> {
  const roles = options.roles ?? 'api,worker,webhooks,janitor';
  const child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--port',
      '0',
      '--data',
      options.dataDir,
      '--roles',
      roles,
      '--concurrency',
      String(options.concurrency),
    ],
    { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit');
  const url = await serveStarted(child, {
    apiRole: roles.split(',').includes('api'),
    timeoutMs: START_TIMEOUT_MS,
    failure: (reason, stdout) => new Error(`squish serve --roles ${roles} ${reason}:\n${stdout}`),
  });
  return {
    url,
    child,
    startedAt: Date.now(),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `squish keys create --json` on a data folder: the key pair and its webhook signing secret. */
export function createKey(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): { api_key: string; api_secret: string; signing_secret: string } {
  const out = execFileSync(process.execPath, [BIN, 'keys', 'create', '--json', '--data', dataDir], {
    encoding: 'utf8',
    env,
  });
  return JSON.parse(out) as { api_key: string; api_secret: string; signing_secret: string };
}
