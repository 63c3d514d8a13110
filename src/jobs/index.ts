/** The job queue: its contract, the retry policy, the embedded (SQLite) and the BullMQ (Redis) implementations. */
export { BullMqQueue, type BullMqQueueOptions } from './bullmq/bullmq-queue.js';
export { parseSentinels, type RedisTarget, redisConnectionOptions } from './bullmq/redis-connection.js';
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
