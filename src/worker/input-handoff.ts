/**
 * Uploads of `wait` jobs handed from the api to a worker of the same process in memory, so the
 * worker neither reads the input back from the blob store nor the job's row from the database.
 *
 * The blob store still holds the input (written without a flush to stable storage, see
 * PlatformJobService.submit): a worker in another process (api and worker roles split, or
 * several nodes on one queue) and a retry after the handoff was taken read it from there. So the
 * handoff is only a shortcut, never the only copy: a job whose entry is missing runs exactly as
 * before.
 *
 * Process-wide rather than per app, as the queue's in-process signals (jobs/embedded/queue-events.ts):
 * the api and the worker are wired separately, and job ids are random 128-bit values, so apps
 * sharing a process cannot take each other's entries.
 */
import type { JobRecord } from '../db/records.js';

/** What the api hands over: the stored job as it was created, and its input bytes. */
export interface HandedInput {
  record: JobRecord;
  bytes: Uint8Array;
}

const handoffs = new Map<string, HandedInput>();

/** Offers a job's input to a worker of this process; call before the job is enqueued. */
export function offerInput(input: HandedInput): void {
  handoffs.set(input.record.id, input);
}

/** The offered input of a job, once: a retry of the job reads the store and the database. */
export function takeInput(jobId: string): HandedInput | undefined {
  const input = handoffs.get(jobId);
  handoffs.delete(jobId);
  return input;
}

/**
 * Drops an offer nobody took (the job ran in another process, or the wait ended first). The api
 * calls it when the wait ends, so the map holds at most the waits in flight.
 */
export function withdrawInput(jobId: string): void {
  handoffs.delete(jobId);
}

/** Offers not taken yet (for tests). */
export function pendingHandoffs(): number {
  return handoffs.size;
}
