/**
 * `squish serve` from the build (bin/squish.js, what `npx squish` runs) for the webhook benchmark:
 * any roles, extra settings in the environment, `--port 0`. Resolves once the node has started:
 * with the api role on its "listening" line, else on its "roles:" line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/squish.js', import.meta.url));

export interface BenchServe {
  /** Where the API listens; empty without the api role. */
  url: string;
  child: ChildProcess;
  /** Date.now() when the node said it had started. */
  startedAt: number;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>;
}

export async function startBenchServe(
  dataDir: string,
  roles: string,
  env: Record<string, string> = {},
): Promise<BenchServe> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', '0', '--data', dataDir, '--roles', roles, '--concurrency', '2'],
    {
      env: { ...process.env, SQUISH_LOG_LEVEL: 'error', SQUISH_ALLOW_PRIVATE_NETWORKS: '1', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = once(child, 'exit');
  const started = roles.split(',').includes('api') ? /^squish listening on (http:\/\/\S+)$/m : /^()roles: /m;
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = started.exec(stdout);
      if (match) resolve(match[1]!);
    });
    child.on('exit', (code) =>
      reject(new Error(`squish serve --roles ${roles} exited (${code}) before starting`)),
    );
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

/** `squish keys create --json` from the build: the key pair and its webhook signing secret. */
export async function createBenchKey(
  dataDir: string,
): Promise<{ api_key: string; api_secret: string; signing_secret: string }> {
  const child = spawn(process.execPath, [BIN, 'keys', 'create', '--json', '--data', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`squish keys create exited ${code}`);
  return JSON.parse(stdout) as { api_key: string; api_secret: string; signing_secret: string };
}
