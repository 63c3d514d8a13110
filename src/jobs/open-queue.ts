import path from 'node:path';
import type { Logger } from 'pino';
import type { ServeConfig } from '../config/index.js';
import { EmbeddedQueue } from './embedded/embedded-queue.js';
import type { QueueBackend } from './queue-backend.js';

/** The settings that choose the queue. */
export type QueueConfig = Pick<
  ServeConfig,
  'redisUrl' | 'redisSentinels' | 'redisMaster' | 'databaseUrl' | 'dataDir'
>;

/**
 * Opens the queue the settings name: BullMQ on Redis when `SQUISH_REDIS_URL` or
 * `SQUISH_REDIS_SENTINELS` is set, else the embedded queue, in the SQLite database file when the
 * data lives in SQLite and in `<data>/queue.db` otherwise.
 */
export function openQueue(config: QueueConfig, log: Logger): QueueBackend {
  if (config.redisSentinels || config.redisUrl) {
    throw new Error('The Redis queue is not built yet');
  }
  const file = config.databaseUrl.startsWith('sqlite:')
    ? config.databaseUrl.slice('sqlite:'.length).replace(/^\/\/(?=.)/, '')
    : path.join(config.dataDir, 'queue.db');
  return new EmbeddedQueue({ file, log });
}
