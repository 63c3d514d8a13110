/**
 * The engine's child process: runs one job at a time for EnginePool. If a codec crashes, hangs or
 * balloons, the pool kills this process, and only the job it held is lost.
 */
import sharp from 'sharp';
import { type ErrorReport, SquishError } from '../../errors/index.js';
import { optimize } from '../optimize.js';
import type { ChildMessage, JobMessage } from './protocol.js';

// Parallelism comes from the number of processes; libvips' own threads and cache would only
// multiply memory per job.
sharp.concurrency(1);
sharp.cache(false);

function send(message: ChildMessage): void {
  process.send?.(message);
}

process.on('message', async (job: JobMessage) => {
  try {
    const result = await optimize(job.input, job.plan, job.limits);
    send({ type: 'done', id: job.id, result });
  } catch (error) {
    // optimize() already maps codec errors; anything else is a bug of ours, logged here.
    if (!(error instanceof SquishError)) console.error('squish engine child: unexpected error', error);
    const report: ErrorReport =
      error instanceof SquishError ? error.toReport() : new SquishError('INTERNAL').toReport();
    send({ type: 'failed', id: job.id, error: report });
  }
});

// The parent going away (crash, SIGKILL) must not leave orphans burning CPU.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready' });
