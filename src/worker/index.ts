/** The worker role: optimize jobs from the queue, outputs into the blob store, results into the database. */
export type { OptimizeOutcome } from './optimize-job.js';
export { contentTypeOf, outputFileName, strongEtag } from './output-files.js';
export { startWorker, type WorkerDeps } from './start-worker.js';
