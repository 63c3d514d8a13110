/**
 * A stand-in tool runner for runner-lifecycle.test.ts: it says ready, then refuses every call,
 * as a runner broken after its start would.
 */
import type { RunnerCall, RunnerMessage } from '../../../src/engine/tools/runner-protocol.js';

const send = (message: RunnerMessage) => process.send?.(message);

process.on('message', (call: RunnerCall) =>
  send({ type: 'result', id: call.id, outcome: { kind: 'start-failed', detail: 'refuses everything' } }),
);
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
