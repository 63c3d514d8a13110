/**
 * Uploads of `wait` jobs handed from the api to a worker of the same process in memory, so the
 * worker neither reads the input back from the blob store nor the job's row from the database;
 * and, the other way, the finished job handed back to the waiting request, so the api does not
 * read back the row and outputs the worker has just written.
 *
 * The blob store still holds the input (written without a flush to stable storage, see
 * PlatformJobService.submit): a worker in another process (api and worker roles split, or
 * several nodes on one queue) and a retry after the handoff was taken read it from there. So the
 * handoff is only a shortcut, never the only copy: a job whose entry is missing runs exactly as
 * before, and a waiter that finds no record handed back reads the database. Likewise the record
 * handed back is the one the worker committed, never the only copy.
 *
 * Process-wide rather than per app, as the queue's in-process signals (jobs/embedded/queue-events.ts):
 * the api and the worker are wired separately, and job ids are random 128-bit values, so apps
 * sharing a process cannot take each other's entries.
 */

import type { PiecedBytes } from '../bytes/pieces.js';
import type { JobRecord } from '../db/records.js';

/** What the api hands over: the stored job as it was created, and its input bytes. */
export interface HandedInput {
  record: JobRecord;
  /** The upload as the api read it (in pieces as they arrived, see bytes/pieces.ts). */
  bytes: PiecedBytes;
}

/** One waiting request's entry: the input until a worker takes it, then the finished job. */
interface Handoff {
  input?: HandedInput;
  result?: JobRecord;
}

const handoffs = new Map<string, Handoff>();

/** Offers a job's input to a worker of this process; call before the job is enqueued. */
export function offerInput(input: HandedInput): void {
  handoffs.set(input.record.id, { input });
}

/** The offered input of a job, once: a retry of the job reads the store and the database. */
export function takeInput(jobId: string): HandedInput | undefined {
  const entry = handoffs.get(jobId);
  const input = entry?.input;
  if (entry) entry.input = undefined;
  return input;
}

/**
 * Hands the finished job (as committed) back to the request waiting for it in this process, if
 * one still is: without an entry (the wait ended, or it runs elsewhere) nothing is kept.
 */
export function handBackResult(record: JobRecord): void {
  const entry = handoffs.get(record.id);
  if (entry) entry.result = record;
}

/** The finished job a worker of this process handed back, once; undefined: read the database. */
export function takeResult(jobId: string): JobRecord | undefined {
  const entry = handoffs.get(jobId);
  const result = entry?.result;
  if (entry) entry.result = undefined;
  return result;
}

/**
 * Ends the job's handoff: drops an offer nobody took (the job ran in another process, or the
 * wait ended first) and a result nobody took. The api calls it when the wait ends, so the map
 * holds at most the waits in flight.
 */
export function endHandoff(jobId: string): void {
  handoffs.delete(jobId);
}

/** Offers not taken yet (for tests). */
export function pendingHandoffs(): number {
  let pending = 0;
  for (const entry of handoffs.values()) if (entry.input) pending++;
  return pending;
}
