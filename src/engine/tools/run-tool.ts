/**
 * Runs the command-line codecs Debian ships (jpegtran, gifsicle, pngquant) as separate processes:
 * a crash or hang in one costs only that call, and the GPL ones stay out of our address space.
 * Bytes go through stdin/stdout, so no temporary files are left behind.
 *
 * This file is the one entry point; spawn-tool.ts spawns, runner-client.ts and tool-runner.ts move
 * the spawning out of big processes.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { SquishError } from '../../errors/index.js';
import { callToolRunner } from './runner-client.js';
import { type SpawnRequest, spawnTool } from './spawn-tool.js';

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

/** Default cap on a tool's stdout: far above any image the limits admit, low enough to stop a runaway. */
const DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/**
 * Runs `name args...`; resolves with whatever exit code it had, rejects only on our own limits
 * (PROCESSING_TIMEOUT past `timeoutMs`, CODEC_FAILED past `maxOutputBytes`, when the tool is
 * missing or cannot start, or when the tool runner died with the call in flight).
 *
 * The spawn itself happens in the tool runner process (runner-client.ts explains why and when),
 * or here: in small processes, for large inputs, while the runner starts or when it cannot.
 */
export async function runTool(
  name: string,
  args: readonly string[],
  options: RunToolOptions,
): Promise<ToolResult> {
  const path = findTool(name);
  if (!path) throw new SquishError('CODEC_FAILED', `${name} is not installed`);
  const request: SpawnRequest = {
    path,
    args,
    timeoutMs: options.timeoutMs,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    ...(options.input ? { input: options.input } : {}),
  };
  const outcome = await (callToolRunner(request) ?? spawnTool(request));
  switch (outcome.kind) {
    case 'exited':
      return { exitCode: outcome.exitCode, stdout: asBuffer(outcome.stdout), stderr: outcome.stderr };
    case 'timeout':
    case 'runner-unresponsive':
      // Callers give the tool what is left of the job's time, so this is the job's limit (a
      // message naming only the tool's last few hundred ms read as the tool's own fault).
      throw new SquishError(
        'PROCESSING_TIMEOUT',
        `Processing the image took longer than the time limit (${name} was stopped after ${options.timeoutMs} ms).`,
      );
    case 'output-too-large':
      throw new SquishError('CODEC_FAILED', `${name} wrote more than ${request.maxOutputBytes} bytes`);
    case 'start-failed':
      throw new SquishError('CODEC_FAILED', `${name} failed to start`, { cause: new Error(outcome.detail) });
    case 'runner-died':
      throw new SquishError('CODEC_FAILED', `${name} failed: ${outcome.detail}`);
  }
}

/** Bytes from the runner arrive as a Buffer already; the check keeps the ToolResult type honest. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Milliseconds left before `deadline`, never less than 1. */
export function remainingMs(deadline: number): number {
  return Math.max(1, deadline - Date.now());
}
