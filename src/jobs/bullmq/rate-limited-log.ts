/**
 * While Redis is away (a failover, a restart), every connection reports an error on every
 * reconnect attempt: dozens a second. This logs the first error at once and then at most one
 * line per interval, saying how many were left out, so the log shows the outage without drowning.
 */
import type { Logger } from 'pino';

/** A function to hand every `error` event of the queue's connections to. */
export type ErrorSink = (error: unknown, source: string) => void;

/** An ErrorSink that logs at most one line per `intervalMs` (default 10 s). */
export function rateLimitedErrorLog(log: Logger | undefined, intervalMs = 10_000): ErrorSink {
  let lastLoggedAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (error, source) => {
    const now = Date.now();
    if (now - lastLoggedAt < intervalMs) {
      suppressed++;
      return;
    }
    log?.warn(
      { err: error, source, suppressedSinceLast: suppressed },
      'redis queue: error from BullMQ or a Redis connection (connections retry by themselves; at most one line per interval)',
    );
    lastLoggedAt = now;
    suppressed = 0;
  };
}
