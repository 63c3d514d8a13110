/**
 * Where Redis is, as the settings say it, without the Redis client: choosing the queue
 * (open-queue.ts) reads this, and only a node that does use Redis loads ioredis and BullMQ.
 */

/** Where Redis is: a URL, or Sentinels and the name of the master they watch. */
export type RedisTarget =
  | { url: string }
  | { sentinels: readonly { host: string; port: number }[]; masterName: string };

/** Parses `host:port` items (as SQUISH_REDIS_SENTINELS lists them; IPv6 hosts in brackets). */
export function parseSentinels(items: readonly string[]): { host: string; port: number }[] {
  return items.map((item) => {
    const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(item.trim());
    if (!match?.[1] || !match[2]) throw new TypeError(`expected host:port, got ${JSON.stringify(item)}`);
    return { host: match[1], port: Number(match[2]) };
  });
}
