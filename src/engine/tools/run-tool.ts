/**
 * Runs the command-line codecs Debian ships (jpegtran, gifsicle, pngquant) as separate processes:
 * a crash or hang in one costs only that call, and the GPL ones stay out of our address space.
 * Bytes go through stdin/stdout, so no temporary files are left behind.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { SquishError } from '../../errors/index.js';

export interface ToolResult {
  exitCode: number;
  stdout: Buffer;
  stderr: string;
}

export interface RunToolOptions {
  /** Bytes written to the tool's stdin. */
  input?: Uint8Array;
  /** Kill the tool after this many milliseconds (throws PROCESSING_TIMEOUT). */
  timeoutMs: number;
  /** Kill the tool when its stdout exceeds this many bytes (throws CODEC_FAILED). */
  maxOutputBytes?: number;
}

const located = new Map<string, string | undefined>();

/** Absolute path of an executable on PATH, or undefined when it is not installed. */
export function findTool(name: string): string | undefined {
  if (located.has(name)) return located.get(name);
  let found: string | undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      found = candidate;
      break;
    } catch {
      // not in this directory
    }
  }
  located.set(name, found);
  return found;
}

/** Runs `name args...`; resolves with whatever exit code it had, rejects only on our own limits. */
export function runTool(name: string, args: readonly string[], options: RunToolOptions): Promise<ToolResult> {
  const path = findTool(name);
  if (!path) return Promise.reject(new SquishError('CODEC_FAILED', `${name} is not installed`));
  const maxOutput = options.maxOutputBytes ?? 256 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let outputBytes = 0;
    let stderr = '';
    let failure: SquishError | undefined;
    const fail = (error: SquishError) => {
      failure ??= error;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () =>
        fail(new SquishError('PROCESSING_TIMEOUT', `${name} did not finish within ${options.timeoutMs} ms`)),
      Math.max(1, options.timeoutMs),
    );
    child.stdout.on('data', (chunk: Buffer) => {
      outputBytes += chunk.length;
      if (outputBytes > maxOutput)
        fail(new SquishError('CODEC_FAILED', `${name} wrote more than ${maxOutput} bytes`));
      else chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 8192) stderr += chunk.toString('utf8');
    });
    child.on('error', (error) =>
      fail(new SquishError('CODEC_FAILED', `${name} failed to start`, { cause: error })),
    );
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (failure) reject(failure);
      else resolve({ exitCode: code ?? (signal ? 128 : 1), stdout: Buffer.concat(chunks), stderr });
    });
    // A tool that exits before reading all of stdin (bad input) makes the write fail with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? new Uint8Array(0));
  });
}

/** Milliseconds left before `deadline`, never less than 1. */
export function remainingMs(deadline: number): number {
  return Math.max(1, deadline - Date.now());
}
