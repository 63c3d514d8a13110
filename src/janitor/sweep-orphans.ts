import type { SquishDatabase } from '../db/index.js';
import { type BlobStore, JOB_BLOB_FOLDERS } from '../store/index.js';

/** Orphans deleted per prefix and run at most, so one run stays short; the next run goes on. */
const MAX_PER_PREFIX = 1000;

/**
 * Deletes stored inputs and results whose job has no row and that are older than `minAgeMs`:
 * uploads of requests that failed before their job was recorded, outputs of a job deleted while
 * it was still running, files left by a crash. Returns how many were deleted.
 */
export async function sweepOrphanBlobs(
  db: SquishDatabase,
  store: BlobStore,
  now: Date,
  minAgeMs: number,
): Promise<number> {
  const jobExists = new Map<string, boolean>();
  let deleted = 0;
  for (const prefix of JOB_BLOB_FOLDERS) {
    // Collected first, deleted after: deleting while a listing walks its folders is not
    // something every store promises to handle.
    const orphans: string[] = [];
    for await (const blob of store.list(prefix)) {
      if (now.getTime() - blob.modifiedAt.getTime() < minAgeMs) continue;
      const jobId = blob.key.split('/')[1];
      if (!jobId) continue;
      let exists = jobExists.get(jobId);
      if (exists === undefined) {
        exists = (await db.jobs.get(jobId)) !== undefined;
        jobExists.set(jobId, exists);
      }
      if (!exists) orphans.push(blob.key);
      if (orphans.length >= MAX_PER_PREFIX) break;
    }
    for (const key of orphans) await store.delete(key);
    deleted += orphans.length;
  }
  return deleted;
}
