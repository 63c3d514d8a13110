/**
 * The tool runner process: spawns command-line tools on behalf of its parent (see
 * runner-client.ts for why). It stays small on purpose: it imports only node builtins and
 * spawn-tool.ts, holds no image beyond the calls in flight, so forking a tool from here copies the
 * page tables of a ~45 MB process instead of those of an engine process holding libvips, WASM heaps
 * and recent images.
 *
 * It exits as soon as its parent goes away, and kills the tools it still runs on the way out.
 */
import { isAbsolute } from 'node:path';
import type { RunnerCall, RunnerMessage } from './runner-protocol.js';
import { type SpawnOutcome, spawnTool } from './spawn-tool.js';

/** How often the runner checks that it was not re-parented (its parent died without a disconnect). */
const PARENT_CHECK_MS = 1000;

const parentPid = process.ppid;
const stopAll = new AbortController();

function send(message: RunnerMessage): void {
  // The parent may be gone already; the 'disconnect' handler then ends this process.
  if (process.connected) process.send?.(message);
}

function shutDown(): never {
  // SIGKILL of every tool in flight happens synchronously inside abort(), before exit.
  stopAll.abort();
  process.exit(0);
}

/**
 * The IPC channel is a private socket pair only the parent holds, so a call can come from nowhere
 * else; still, the runner is no general command executor: it runs only an absolute path (what
 * findTool resolved), with an argument array, and never through a shell.
 */
function refusal(call: RunnerCall): string | undefined {
  if (typeof call.path !== 'string' || !isAbsolute(call.path)) return 'the tool path is not absolute';
  if (!Array.isArray(call.args) || call.args.some((arg) => typeof arg !== 'string'))
    return 'the arguments are not strings';
  if (call.input !== undefined && !(call.input instanceof Uint8Array)) return 'the input is not bytes';
  if (!Number.isFinite(call.timeoutMs) || !Number.isFinite(call.maxOutputBytes))
    return 'the limits are not numbers';
  return undefined;
}

process.on('message', async (call: RunnerCall) => {
  if (typeof call !== 'object' || call === null) return;
  const refused = refusal(call);
  const outcome: SpawnOutcome = refused
    ? { kind: 'start-failed', detail: `tool runner refused the call: ${refused}` }
    : await spawnTool(call, stopAll.signal);
  send({ type: 'result', id: call.id, outcome });
});

process.on('disconnect', shutDown);

// Belt and braces: should the channel outlive the parent (its socket end inherited by some other
// process), re-parenting is the sure sign the parent is gone.
setInterval(() => {
  if (process.ppid !== parentPid) shutDown();
}, PARENT_CHECK_MS).unref();

send({ type: 'ready' });
