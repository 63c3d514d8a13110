/**
 * The nodes of the scaling benchmark, from the build (`bin/squish.js`, what `npx squish` runs):
 * one `squish serve --roles api` node and N `squish serve --roles worker` nodes, each a process
 * of its own with one engine process, all on the same Redis, database and blob store.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/squish.js', import.meta.url));
const START_TIMEOUT_MS = 60_000;

export interface Node {
  /** The api node's URL; empty for a worker. */
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The environment every node shares: Squish's settings, and nothing Squish reads from the machine. */
export function nodeEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('SQUISH_')));
  return { ...base, SQUISH_LOG_LEVEL: 'warn', ...settings };
}

/** Starts a node with the given roles on its own data folder; resolves once it has started. */
export async function startNode(
  roles: 'api' | 'worker',
  dataDir: string,
  env: NodeJS.ProcessEnv,
): Promise<Node> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--roles', roles, '--port', '0', '--data', dataDir, '--concurrency', '1'],
    { env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit');
  const started = roles === 'api' ? /^squish listening on (http:\/\/\S+)$/m : /^()roles: /m;
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${roles} node did not start`)), START_TIMEOUT_MS);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = started.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the ${roles} node exited (${code}) before starting:\n${stdout}`));
    });
  });
  return {
    url,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `squish keys create --json` on the shared database. */
export function createKey(dataDir: string, env: NodeJS.ProcessEnv): { api_key: string; api_secret: string } {
  const out = execFileSync(process.execPath, [BIN, 'keys', 'create', '--json', '--data', dataDir], {
    encoding: 'utf8',
    env,
  });
  return JSON.parse(out) as { api_key: string; api_secret: string };
}
