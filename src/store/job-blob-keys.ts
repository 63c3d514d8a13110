/**
 * Where a job's files live in the blob store, in one place: the api writes the input, the worker
 * the results, and the janitor finds both by job id (to expire them, or as orphans).
 */

/** The folders of per-job blobs; the segment after each is the job id. */
export const JOB_BLOB_FOLDERS = ['inputs/', 'results/'] as const;

/** The key of a job's uploaded input. */
export function inputBlobKey(jobId: string): string {
  return `inputs/${jobId}`;
}

/** The key prefix of a job's results; each output is `results/<jobId>/<token>`. */
export function resultsPrefix(jobId: string): string {
  return `results/${jobId}/`;
}
