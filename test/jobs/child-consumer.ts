/**
 * A consumer in a child process, for the conformance tests that need another process: it opens
 * the backend under test the way the suite's recipe says (a module, one of its exports and a JSON
 * argument), prints `started <id> <attempt>` when its handler runs, and then either hangs (mode
 * `hang`: the parent SIGKILLs it mid-handler, as a worker dies) or returns `done by <pid>` (mode
 * `complete`: the parent sees the outcome from its own process).
 *
 * Usage: node --import tsx test/jobs/child-consumer.ts '<recipe JSON>' <queue> <leaseMs> <hang|complete>
 */
import type { QueueBackend } from '../../src/jobs/index.js';
import type { SpawnableBackend } from './conformance.js';

const [recipeJson, queue, leaseMs, mode] = process.argv.slice(2);
if (!recipeJson || !queue || !leaseMs || (mode !== 'hang' && mode !== 'complete')) {
  throw new Error('usage: child-consumer <recipe> <queue> <leaseMs> <hang|complete>');
}
const recipe = JSON.parse(recipeJson) as SpawnableBackend;
const factory = (await import(recipe.module))[recipe.exportName] as (arg: unknown) => Promise<QueueBackend>;
const backend = await factory(recipe.arg);
backend.consume(
  queue,
  async (job) => {
    process.stdout.write(`started ${job.id} ${job.attempt}\n`);
    if (mode === 'complete') return `done by ${process.pid}`;
    await new Promise(() => {
      // never settles: the parent kills this process while the job is held
    });
  },
  { concurrency: 1, leaseMs: Number(leaseMs) },
);
