/** The job queue: its contract, the retry policy, the embedded (SQLite) implementation and how the queue is chosen. */
// The BullMQ backend (bullmq/bullmq-queue.js) is not exported here: importing it loads BullMQ and
// ioredis, which openQueue does only for a node that uses Redis.
export { parseSentinels, type RedisTarget } from './bullmq/redis-target.js';
export { EmbeddedQueue, type EmbeddedQueueOptions } from './embedded/embedded-queue.js';
export { openQueue, type QueueConfig, redisTarget } from './open-queue.js';
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
