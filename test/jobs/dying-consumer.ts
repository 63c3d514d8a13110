/**
 * A consumer that takes one job and never finishes it: the conformance suite runs this script in a
 * child process and SIGKILLs it mid-handler, as a worker dies. It opens the backend under test the
 * way the suite's recipe says (a module, one of its exports and a JSON argument), prints
 * `started <id> <attempt>` when its handler runs, and then hangs.
 *
 * Usage: node --import tsx test/jobs/dying-consumer.ts '<recipe JSON>' <queue> <leaseMs>
 */
import type { QueueBackend } from '../../src/jobs/index.js';
import type { SpawnableBackend } from './conformance.js';

const [recipeJson, queue, leaseMs] = process.argv.slice(2);
if (!recipeJson || !queue || !leaseMs) throw new Error('usage: dying-consumer <recipe> <queue> <leaseMs>');
const recipe = JSON.parse(recipeJson) as SpawnableBackend;
const factory = (await import(recipe.module))[recipe.exportName] as (arg: unknown) => Promise<QueueBackend>;
const backend = await factory(recipe.arg);
backend.consume(
  queue,
  async (job) => {
    process.stdout.write(`started ${job.id} ${job.attempt}\n`);
    await new Promise(() => {
      // never settles: the parent kills this process while the job is held
    });
  },
  { concurrency: 1, leaseMs: Number(leaseMs) },
);
