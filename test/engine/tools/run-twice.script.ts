/**
 * Run by runner-lifecycle.test.ts as its own process: one tool call while the runner starts, one
 * through the runner, then a JSON line of whose child each tool was. Closes nothing on purpose:
 * the process must end by itself. With the argument `hang` it starts `sleep 600` (longer than the
 * test's timeout) through the runner and stays up until it is killed.
 */
import { runTool } from '../../../src/engine/tools/run-tool.js';
import { configureToolRunner, toolRunnerReady } from '../../../src/engine/tools/runner-client.js';

// However small this process is, its calls go through the runner once it is up.
configureToolRunner({ directBelowRssBytes: 0 });

const parentOfTool = async () =>
  Number((await runTool('sh', ['-c', 'echo $PPID'], { timeoutMs: 20_000 })).stdout.toString('utf8'));

const first = await parentOfTool();
const runner = await toolRunnerReady();
const second = await parentOfTool();
process.stdout.write(`${JSON.stringify({ self: process.pid, first, runner, second })}\n`);
if (process.argv[2] === 'hang') {
  // A tool in flight when this process is killed: the runner must not leave it behind.
  runTool('sleep', ['600'], { timeoutMs: 900_000 }).catch(() => {});
  setInterval(() => {}, 60_000);
}
