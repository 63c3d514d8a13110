/**
 * Runs `squish serve` for the API benchmark, and `squish keys create`, from the build in dist/
 * (`bin/squish.js`, what `npx squish` runs): from source, every engine process would first spend
 * about a second of CPU compiling TypeScript, which users never pay.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/squish.js', import.meta.url));

export interface RunningSquish {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startSquish(dataDir: string, concurrency: number): Promise<RunningSquish> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', '0', '--data', dataDir, '--concurrency', String(concurrency)],
    { env: { ...process.env, SQUISH_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit');
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /^squish listening on (http:\/\/\S+)$/m.exec(stdout);
      if (match) resolve(match[1]!);
    });
    child.on('exit', (code) => reject(new Error(`squish serve exited (${code}) before listening`)));
  });
  return {
    url,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export function createKey(dataDir: string): { api_key: string; api_secret: string } {
  const out = execFileSync(process.execPath, [BIN, 'keys', 'create', '--json', '--data', dataDir], {
    encoding: 'utf8',
  });
  return JSON.parse(out) as { api_key: string; api_secret: string };
}
