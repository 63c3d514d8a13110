/**
 * Messages between a process that runs tools (the engine child, the CLI) and its tool runner
 * process. They cross an IPC channel with serialization 'advanced', so stdin and stdout bytes
 * travel as binary, not base64 JSON.
 */
import type { SpawnOutcome, SpawnRequest } from './spawn-tool.js';

/** Parent to runner: run one tool. `id` pairs the reply with its call; calls run concurrently. */
export interface RunnerCall extends SpawnRequest {
  id: number;
}

/** Runner to parent. */
export type RunnerMessage =
  /** Sent once, when the runner listens for calls. */
  { type: 'ready' } | { type: 'result'; id: number; outcome: SpawnOutcome };
