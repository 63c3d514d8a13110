/**
 * The engine's child process: runs one job at a time for EnginePool. If a codec crashes, hangs or
 * balloons, the pool kills this process, and only the job it held is lost.
 *
 * Jobs arrive on the input socket (fd 4, see input-frames.ts), results leave on the IPC channel.
 */
import { type OnReadOpts, Socket, type SocketConstructorOpts } from 'node:net';
import sharp from 'sharp';
import { type ErrorReport, SquishError } from '../../errors/index.js';
import { optimize } from '../optimize.js';
import { JobFrameReader, type JobHeader } from './input-frames.js';
import type { ChildMessage } from './protocol.js';
import { INPUT_FD } from './protocol.js';

// Parallelism comes from the number of processes; libvips' own threads and cache would only
// multiply memory per job.
sharp.concurrency(1);
sharp.cache(false);

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function run(job: JobHeader, input: Buffer): Promise<void> {
  try {
    const result = await optimize(input, job.plan, job.limits);
    send({ type: 'done', id: job.id, result });
  } catch (error) {
    // optimize() already maps codec errors; anything else is a bug of ours, logged here.
    if (!(error instanceof SquishError)) console.error('squish engine child: unexpected error', error);
    const report: ErrorReport =
      error instanceof SquishError ? error.toReport() : new SquishError('INTERNAL').toReport();
    send({ type: 'failed', id: job.id, error: report });
  }
}

const reader = new JobFrameReader((job, input) => void run(job, input));
// net.Socket takes `onread` at construction (Node >= 12); @types/node lists it for connect() only.
const socketOptions: SocketConstructorOpts & { onread: OnReadOpts } = {
  fd: INPUT_FD,
  readable: true,
  writable: false,
  onread: {
    buffer: () => reader.nextBuffer(),
    callback: (length, buffer) => {
      try {
        reader.received(length, buffer);
        return true; // keep reading
      } catch (error) {
        // A stream out of step cannot be resynchronised: the pool sees the exit and replaces us.
        console.error('squish engine child: bad job stream', error);
        process.exit(1);
      }
    },
  },
};
const jobs = new Socket(socketOptions);

// The parent going away (crash, SIGKILL) must not leave orphans burning CPU.
process.on('disconnect', () => process.exit(0));
jobs.on('end', () => process.exit(0));
jobs.on('error', () => process.exit(0));

send({ type: 'ready' });
