import type { Logger } from 'pino';
import type { SquishDatabase } from '../db/index.js';
import { type BlobStore, resultsPrefix } from '../store/index.js';

/** Jobs handled per query; a run goes on until no expired job is left (or nothing progresses). */
const BATCH = 100;

/**
 * Deletes the jobs whose expiry has passed: their blobs first, then their rows. In that order a
 * crash between the two leaves a row whose files are gone, which the download route answers as
 * expired, instead of files that no row points at any more.
 */
export async function deleteExpiredJobs(
  db: SquishDatabase,
  store: BlobStore,
  now: Date,
  log: Logger,
): Promise<{ jobs: number; blobs: number }> {
  const removed = { jobs: 0, blobs: 0 };
  for (;;) {
    const expired = await db.jobs.expired(now, BATCH);
    const cleared: string[] = [];
    for (const job of expired) {
      try {
        removed.blobs += await deleteJobBlobs(store, job.id, job.blobKeys);
        cleared.push(job.id);
      } catch (err) {
        // The row stays, so the next run finds the job again and retries its files.
        log.warn({ err, jobId: job.id }, 'janitor: could not delete the files of an expired job');
      }
    }
    await db.jobs.delete(cleared);
    removed.jobs += cleared.length;
    // A short batch was the last one; a batch where nothing could be cleared would come back
    // unchanged, so the run stops there rather than spin.
    if (expired.length < BATCH || cleared.length === 0) return removed;
  }
}

const JOB_ID_SEGMENT = /^[A-Za-z0-9._-]+$/;

/**
 * Deletes the blobs a job's rows name and anything else under its results folder: a job that
 * ran twice (a worker died after storing its outputs) may have left the first run's files there.
 */
async function deleteJobBlobs(store: BlobStore, jobId: string, blobKeys: string[]): Promise<number> {
  const keys = new Set(blobKeys);
  if (JOB_ID_SEGMENT.test(jobId)) {
    for await (const blob of store.list(resultsPrefix(jobId))) keys.add(blob.key);
  }
  for (const key of keys) await store.delete(key);
  return keys.size;
}
