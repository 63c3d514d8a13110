import path from 'node:path';
import type { Logger } from 'pino';
import type { ServeConfig } from '../config/index.js';
import { parseSentinels, type RedisTarget } from './bullmq/redis-target.js';
import { EmbeddedQueue } from './embedded/embedded-queue.js';
import type { QueueBackend } from './queue-backend.js';

/** The settings that choose the queue. */
export type QueueConfig = Pick<
  ServeConfig,
  'redisUrl' | 'redisSentinels' | 'redisMaster' | 'databaseUrl' | 'dataDir'
>;

/**
 * Opens the queue the settings name: BullMQ on Redis when `SQUISH_REDIS_SENTINELS` (the master
 * they watch, `SQUISH_REDIS_MASTER`) or `SQUISH_REDIS_URL` is set, else the embedded queue, in
 * the SQLite database file when the data lives in SQLite and in `<data>/queue.db` otherwise.
 * BullMQ and ioredis are imported only here, for a node that uses Redis: loading them took about
 * a tenth of a second of every start of `squish serve` on the embedded queue.
 */
export async function openQueue(config: QueueConfig, log: Logger): Promise<QueueBackend> {
  const redis = redisTarget(config);
  if (redis) {
    const { BullMqQueue } = await import('./bullmq/bullmq-queue.js');
    return new BullMqQueue({ redis, log });
  }
  const file = config.databaseUrl.startsWith('sqlite:')
    ? config.databaseUrl.slice('sqlite:'.length).replace(/^\/\/(?=.)/, '')
    : path.join(config.dataDir, 'queue.db');
  return new EmbeddedQueue({ file, log });
}

/** Where the settings put Redis (Sentinels win over a URL), or undefined for none. */
export function redisTarget(
  config: Pick<QueueConfig, 'redisUrl' | 'redisSentinels' | 'redisMaster'>,
): RedisTarget | undefined {
  if (config.redisSentinels && config.redisSentinels.length > 0) {
    return { sentinels: parseSentinels(config.redisSentinels), masterName: config.redisMaster };
  }
  if (config.redisUrl) return { url: config.redisUrl };
  return undefined;
}
