/** The job queue: its contract, the retry policy and the embedded (SQLite) implementation. */
export { EmbeddedQueue, type EmbeddedQueueOptions } from './embedded/embedded-queue.js';
export { openQueue, type QueueConfig } from './open-queue.js';
export type {
  ConsumeOptions,
  Consumer,
  EnqueueOptions,
  JobHandler,
  JobOutcome,
  QueueBackend,
  QueueCounts,
  QueueJob,
} from './queue-backend.js';
export {
  callbackJobId,
  enqueueCallback,
  type JobRef,
  OPTIMIZE_QUEUE,
  WEBHOOKS_QUEUE,
} from './queue-names.js';
export { backoffDelay, isRetryable } from './retry.js';
