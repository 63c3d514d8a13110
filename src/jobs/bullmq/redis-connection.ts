/**
 * How every Redis connection of the queue is made: to one server by URL, or to whichever server
 * the Sentinels name as master. The options follow what was measured on a real Sentinel failover
 * (shared/notes/services.md §1): commands wait through the switch instead of failing, ioredis
 * follows `+switch-master` at once, and reconnects back off to 500 ms.
 */
import type { RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { RedisTarget } from './redis-target.js';

/** Options for one ioredis connection, as BullMQ takes them (with an optional `url`). */
export type RedisConnectionOptions = RedisOptions;

/** Reconnect backoff: 50 ms more per attempt, at most 500 ms (a failover takes about 2 s). */
function reconnectDelay(attempt: number): number {
  return Math.min(attempt * 50, 500);
}

/** How a connection behaves while Redis is away or has moved. */
export interface ConnectionBehaviour {
  /**
   * null (what BullMQ workers and event readers require): a command waits as long as Redis is
   * away. A number: a command fails after that many reconnect attempts.
   */
  maxRetriesPerRequest: number | null;
  /**
   * Sentinel only: subscribe to the Sentinels' `+switch-master` and move at once. ioredis 6 leaves
   * that subscription open after `quit()` (only `disconnect()` ends it), so it is on only for
   * connections this module closes itself; BullMQ quits its own connections.
   */
  failoverDetector: boolean;
}

/**
 * A master that was demoted while a connection stayed open (a planned failover, or one that
 * ends a network split) answers writes with READONLY: reconnect, which asks the Sentinels anew,
 * and resend the command (2).
 */
function reconnectOnReadOnly(error: Error): 2 | false {
  return error.message.startsWith('READONLY') ? 2 : false;
}

/** The options of a connection to the target. */
export function redisConnectionOptions(
  target: RedisTarget,
  behaviour: ConnectionBehaviour = { maxRetriesPerRequest: null, failoverDetector: false },
): RedisConnectionOptions {
  const common: RedisConnectionOptions = {
    maxRetriesPerRequest: behaviour.maxRetriesPerRequest,
    retryStrategy: reconnectDelay,
    reconnectOnError: reconnectOnReadOnly,
  };
  if ('url' in target) return { ...common, url: target.url };
  return {
    ...common,
    sentinels: target.sentinels.map(({ host, port }) => ({ host, port })),
    name: target.masterName,
    failoverDetector: behaviour.failoverDetector,
    sentinelRetryStrategy: reconnectDelay,
  };
}

/** An ioredis connection from options that may carry a `url`. */
export function createRedis({ url, ...options }: RedisConnectionOptions): Redis {
  return url ? new Redis(url, options) : new Redis(options);
}

/**
 * Resolves once the connection is up (at once when it is). Not events.once: that rejects at the
 * first connection error, and the connection keeps retrying after one.
 */
export function whenReady(connection: Redis): Promise<void> {
  if (connection.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => connection.once('ready', () => resolve()));
}
