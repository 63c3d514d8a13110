/**
 * Spawns one command-line tool and collects its output: the code both the tool runner process and
 * the direct-spawn fallback of runTool use. It imports nothing but node builtins so that the
 * runner process, which loads it, stays small (the whole point of the runner is a cheap fork).
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/** What the caller asked for: the tool by absolute path, its arguments, stdin and limits. */
export interface SpawnRequest {
  /** Absolute path of the executable, as findTool resolved it. */
  path: string;
  args: readonly string[];
  /** Bytes written to the tool's stdin (empty stdin when absent). */
  input?: Uint8Array;
  /** Kill the tool (SIGKILL) after this many milliseconds. */
  timeoutMs: number;
  /** Kill the tool (SIGKILL) once its stdout exceeds this many bytes. */
  maxOutputBytes: number;
}

/**
 * How a spawn ended. Plain data, no error objects, so that it crosses the runner's IPC channel as
 * it is; runTool turns the failures into SquishErrors.
 */
export type SpawnOutcome =
  | { kind: 'exited'; exitCode: number; stdout: Buffer; stderr: string }
  | { kind: 'timeout' }
  | { kind: 'output-too-large' }
  | { kind: 'start-failed'; detail: string };

/** Node fires longer timers at once (with a warning): a huge timeout means "no timeout" instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Stderr is kept for diagnostics only: a chatty tool must not grow it without bound. */
const MAX_STDERR_CHARS = 8192;

/**
 * Runs the tool to its end; never rejects.
 * @param stop aborting it kills the tool with SIGKILL (the runner uses it when it shuts down).
 */
export function spawnTool(request: SpawnRequest, stop?: AbortSignal): Promise<SpawnOutcome> {
  return new Promise((resolve) => {
    let child: ChildProcessByStdio<Writable, Readable, Readable>;
    try {
      child = spawn(request.path, request.args, {
        stdio: ['pipe', 'pipe', 'pipe'],
        ...(stop ? { signal: stop, killSignal: 'SIGKILL' as const } : {}),
      });
    } catch (error) {
      // spawn() throws instead of emitting 'error' on arguments it rejects (a NUL byte, say).
      resolve({ kind: 'start-failed', detail: error instanceof Error ? error.message : String(error) });
      return;
    }
    const chunks: Buffer[] = [];
    let outputBytes = 0;
    let stderr = '';
    let failure: SpawnOutcome | undefined;
    const fail = (outcome: SpawnOutcome) => {
      failure ??= outcome;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () => fail({ kind: 'timeout' }),
      Math.min(Math.max(1, request.timeoutMs), MAX_TIMER_MS),
    );
    child.stdout.on('data', (chunk: Buffer) => {
      outputBytes += chunk.length;
      if (outputBytes > request.maxOutputBytes) fail({ kind: 'output-too-large' });
      else chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_STDERR_CHARS) stderr += chunk.toString('utf8');
    });
    child.on('error', (error) => fail({ kind: 'start-failed', detail: error.message }));
    // 'close' also follows a failed start (ENOENT, EACCES), so every path resolves here.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(
        failure ?? {
          kind: 'exited',
          exitCode: code ?? (signal ? 128 : 1),
          stdout: Buffer.concat(chunks),
          stderr,
        },
      );
    });
    // A tool that exits before reading all of stdin (bad input) makes the write fail with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(request.input ?? new Uint8Array(0));
  });
}
