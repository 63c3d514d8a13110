import type { ErrorReport } from '../../errors/index.js';
import type { EngineResult } from '../types.js';

/**
 * The engine process's file descriptor of the input socket (after stdin, stdout, stderr and the
 * IPC channel): jobs travel there as frames (input-frames.ts), results on the IPC channel.
 */
export const INPUT_FD = 4;

/** Child → parent on the IPC channel: ready once at start, then one reply per job. */
export type ChildMessage =
  | { type: 'ready' }
  | { type: 'done'; id: number; result: EngineResult }
  | { type: 'failed'; id: number; error: ErrorReport };
