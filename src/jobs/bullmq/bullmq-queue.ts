/**
 * The job queue on Redis through BullMQ, for several nodes: any api node enqueues, any worker
 * node consumes, and a wait on any node sees the job end (BullMQ's event stream, with a slow poll
 * of the job as a safety net for events lost in a failover). Works against one Redis by URL or a
 * master watched by Sentinels, and keeps working through a Sentinel failover: commands wait for
 * the new master instead of failing.
 *
 * Enqueued ids are BullMQ custom job ids (escaped where BullMQ refuses them, job-ids.ts), so
 * enqueueing an id the queue holds does nothing. Ended jobs are kept for waits and the janitor's
 * `clean`, bounded in number per queue (`retention`).
 */
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { SquishError } from '../../errors/index.js';
import type {
  ConsumeOptions,
  Consumer,
  EnqueueOptions,
  JobHandler,
  JobOutcome,
  QueueBackend,
  QueueCounts,
} from '../queue-backend.js';
import { assertName, consumeSettings, DEFAULT_RETENTION, enqueueSettings } from '../queue-options.js';
import { BullMqConsumer } from './bullmq-consumer.js';
import { decodeFailure } from './job-failure.js';
import { toBullId } from './job-ids.js';
import { type ErrorSink, rateLimitedErrorLog } from './rate-limited-log.js';
import { createRedis, redisConnectionOptions, whenReady } from './redis-connection.js';
import type { RedisTarget } from './redis-target.js';

export interface BullMqQueueOptions {
  /** Where Redis is. */
  redis: RedisTarget;
  /** Prefix of every key (default `squish`); two deployments on one Redis need different ones. */
  prefix?: string;
  /** Ended jobs kept per queue, completed and failed each (default 50 000; older ones are dropped). */
  retention?: number;
  /**
   * How often a wait also reads the job itself, in case its end event was missed (an event
   * written on the old master in the last moments before a failover). Default 1000 ms.
   */
  waitPollIntervalMs?: number;
  /** How long `ping` waits for Redis (default 2000 ms). */
  pingTimeoutMs?: number;
  log?: Logger;
}

const DEFAULT_PREFIX = 'squish';
const DEFAULT_WAIT_POLL_MS = 1000;
const DEFAULT_PING_TIMEOUT_MS = 2000;
/**
 * Commands of the shared connection (enqueue, counts, waits) give up after this many reconnect
 * attempts (about 20 s at the 500 ms backoff ceiling) rather than hang while Redis is gone; a
 * failover takes about 2 s. Workers and event readers wait without limit, as BullMQ requires.
 */
const SHARED_MAX_RETRIES = 40;
/** How long close() waits for BullMQ to close its objects before ending their connections. */
const CLOSE_WAIT_MS = 2000;

type Waiter = () => void;

interface EventsEntry {
  connection: Redis;
  reader?: QueueEvents;
  ready: Promise<void>;
}

export class BullMqQueue implements QueueBackend {
  readonly kind = 'bullmq';
  readonly #options: BullMqQueueOptions;
  readonly #prefix: string;
  readonly #retention: number;
  readonly #log: Logger | undefined;
  readonly #onError: ErrorSink;
  /** One connection for every Queue object and job read of this instance. */
  readonly #client: Redis;
  readonly #queues = new Map<string, Queue>();
  /** End-event readers by queue: each on a connection of its own, made once it is ready. */
  readonly #events = new Map<string, EventsEntry>();
  /** Waits by queue and BullMQ job id, woken by that queue's end events. */
  readonly #waiters = new Map<string, Map<string, Set<Waiter>>>();
  readonly #consumers = new Set<Consumer>();
  readonly #cancelWaits = new Set<() => void>();
  #closed = false;

  constructor(options: BullMqQueueOptions) {
    this.#options = options;
    this.#prefix = options.prefix ?? DEFAULT_PREFIX;
    this.#retention = options.retention ?? DEFAULT_RETENTION;
    this.#log = options.log;
    this.#onError = rateLimitedErrorLog(options.log);
    this.#client = createRedis(
      redisConnectionOptions(options.redis, {
        maxRetriesPerRequest: SHARED_MAX_RETRIES,
        failoverDetector: true,
      }),
    );
    this.#client.on('error', (error) => this.#onError(error, 'queue connection'));
  }

  async enqueue<T>(queue: string, id: string, data: T, options: EnqueueOptions = {}): Promise<void> {
    this.#assertOpen();
    assertName('id', id);
    const { attempts, delayMs, backoffMs } = enqueueSettings(options);
    // BullMQ ignores an add whose id it already holds (and returns the job it has).
    await this.#queue(queue).add(queue, data ?? null, {
      jobId: toBullId(id),
      attempts,
      delay: delayMs,
      // Exponential from backoffMs with jitter over the upper half, as retry.ts's backoffDelay.
      backoff: { type: 'exponential', delay: backoffMs, jitter: 0.5 },
      removeOnComplete: { count: this.#retention },
      removeOnFail: { count: this.#retention },
    });
  }

  consume<T>(queue: string, handler: JobHandler<T>, options: ConsumeOptions): Consumer {
    this.#assertOpen();
    assertQueueName(queue);
    const { concurrency, leaseMs } = consumeSettings(options);
    const consumer: Consumer = new BullMqConsumer<T>({
      queue,
      prefix: this.#prefix,
      connection: redisConnectionOptions(this.#options.redis),
      client: this.#client,
      handler,
      concurrency,
      leaseMs,
      log: this.#log,
      onError: this.#onError,
      onClosed: () => this.#consumers.delete(consumer),
    });
    this.#consumers.add(consumer);
    return consumer;
  }

  async waitFor(queue: string, id: string, timeoutMs: number): Promise<JobOutcome | undefined> {
    this.#assertOpen();
    const bullId = toBullId(id);
    if (timeoutMs <= 0) return this.#outcome(queue, bullId);
    const events = this.#eventsFor(queue);
    return new Promise((resolve) => {
      let settled = false;
      let checking = false;
      let recheck = false;
      const finish = (outcome: JobOutcome | undefined) => {
        if (settled) return;
        settled = true;
        clearInterval(poll);
        clearTimeout(timer);
        this.#removeWaiter(queue, bullId, check);
        this.#cancelWaits.delete(cancel);
        resolve(outcome);
      };
      const cancel = () => finish(undefined);
      // One read at a time; an event during a read asks for one more.
      const check = () => {
        if (settled) return;
        if (checking) {
          recheck = true;
          return;
        }
        checking = true;
        this.#outcome(queue, bullId)
          .then(
            (outcome) => {
              if (outcome) finish(outcome);
            },
            (error: unknown) =>
              this.#log?.warn({ err: error, queue, jobId: id }, 'could not read a job; still waiting'),
          )
          .finally(() => {
            checking = false;
            if (recheck) {
              recheck = false;
              check();
            }
          });
      };
      this.#addWaiter(queue, bullId, check);
      this.#cancelWaits.add(cancel);
      const poll = setInterval(check, this.#options.waitPollIntervalMs ?? DEFAULT_WAIT_POLL_MS);
      // The timeout holds even while Redis is away (the event reader then waits to connect).
      const timer = setTimeout(cancel, timeoutMs);
      check();
      // Once the event reader listens, read again: an end between the first read and the
      // listening is not missed (and the poll catches any end whose event is lost).
      events.then(check, (error: unknown) =>
        this.#log?.warn({ err: error, queue }, 'could not listen to job events; polling instead'),
      );
    });
  }

  async counts(queue: string): Promise<QueueCounts> {
    this.#assertOpen();
    const counts = await this.#queue(queue).getJobCounts(
      'wait',
      'prioritized',
      'active',
      'delayed',
      'completed',
      'failed',
    );
    return {
      waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
    };
  }

  async clean(queue: string, olderThanMs: number): Promise<number> {
    this.#assertOpen();
    const grace = Math.max(0, Math.floor(olderThanMs));
    // Limit 0: every job past the grace period.
    const completed = await this.#queue(queue).clean(grace, 0, 'completed');
    const failed = await this.#queue(queue).clean(grace, 0, 'failed');
    return completed.length + failed.length;
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    const timeoutMs = this.#options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.#client.ping(),
        new Promise((_resolve, reject) => {
          timer = setTimeout(
            () => reject(new SquishError('UNAVAILABLE', `Redis did not answer within ${timeoutMs} ms.`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Hands back the jobs of consumers still open (they should have been closed first), ends waits, closes connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#consumers].map((consumer) => consumer.close(0)));
    for (const cancel of [...this.#cancelWaits]) cancel();
    // BullMQ's close waits for a connection that never came up forever: bounded here, and the
    // connections, which this instance owns, are ended below either way.
    await settleWithin(
      CLOSE_WAIT_MS,
      [...this.#events.values()].flatMap(({ reader }) => (reader ? [reader.close()] : [])),
      [...this.#queues.values()].map((queue) => queue.close()),
    );
    for (const { connection } of this.#events.values()) connection.disconnect();
    // quit() lets the commands sent before it finish; when Redis is away it would wait for the
    // reconnects to give up, so then the connection is just dropped.
    if (this.#client.status === 'ready') {
      try {
        await this.#client.quit();
      } catch {
        // already gone; disconnect below ends it either way
      }
    }
    // quit() leaves ioredis's Sentinel failover subscription open; disconnect() ends it.
    this.#client.disconnect();
  }

  /** The BullMQ Queue object of a queue name (made once, on the shared connection). */
  #queue(name: string): Queue {
    let queue = this.#queues.get(name);
    if (!queue) {
      assertQueueName(name);
      queue = new Queue(name, { connection: this.#client, prefix: this.#prefix });
      queue.on('error', (error) => this.#onError(error, `queue ${name}`));
      this.#queues.set(name, queue);
    }
    return queue;
  }

  /** The end-event reader of a queue (one blocking connection per queue that someone waits on). */
  /**
   * Starts the end-event reader of a queue (one blocking connection per queue that someone waits
   * on); resolves once it listens. The reader is made only once its connection is up: BullMQ
   * cannot close one whose connection never came up.
   */
  #eventsFor(name: string): Promise<void> {
    const existing = this.#events.get(name);
    if (existing) return existing.ready;
    assertQueueName(name);
    const connection = createRedis(redisConnectionOptions(this.#options.redis));
    connection.on('error', (error) => this.#onError(error, `events ${name} connection`));
    const entry: EventsEntry = { connection, ready: Promise.resolve() };
    entry.ready = (async () => {
      await whenReady(connection);
      if (this.#closed) return;
      const reader = new QueueEvents(name, { connection, prefix: this.#prefix });
      reader.on('error', (error) => this.#onError(error, `events ${name}`));
      const wake = ({ jobId }: { jobId: string }) => {
        for (const waiter of this.#waiters.get(name)?.get(jobId) ?? []) waiter();
      };
      reader.on('completed', wake);
      reader.on('failed', wake);
      entry.reader = reader;
      await reader.waitUntilReady();
    })();
    this.#events.set(name, entry);
    return entry.ready;
  }

  #addWaiter(queue: string, bullId: string, waiter: Waiter): void {
    let byId = this.#waiters.get(queue);
    if (!byId) {
      byId = new Map();
      this.#waiters.set(queue, byId);
    }
    let set = byId.get(bullId);
    if (!set) {
      set = new Set();
      byId.set(bullId, set);
    }
    set.add(waiter);
  }

  #removeWaiter(queue: string, bullId: string, waiter: Waiter): void {
    const byId = this.#waiters.get(queue);
    const set = byId?.get(bullId);
    set?.delete(waiter);
    if (set?.size === 0) byId?.delete(bullId);
  }

  /**
   * A job's outcome when it has ended, read from its hash in one command. BullMQ sets
   * `finishedOn` only when a job ends for good (a retry does not), and `returnvalue` only when
   * it completed; an earlier attempt's `failedReason` may remain on a completed job.
   */
  async #outcome(queue: string, bullId: string): Promise<JobOutcome | undefined> {
    const [finishedOn, returnvalue, failedReason] = await this.#client.hmget(
      this.#queue(queue).toKey(bullId),
      'finishedOn',
      'returnvalue',
      'failedReason',
    );
    if (!finishedOn) return undefined;
    if (returnvalue !== null && returnvalue !== undefined) {
      return { state: 'completed', result: JSON.parse(returnvalue) as unknown };
    }
    return { state: 'failed', error: decodeFailure(failedReason) };
  }

  #assertOpen(): void {
    if (this.#closed) throw new SquishError('UNAVAILABLE', 'The job queue is closed.');
  }
}

/** Waits for the promises to settle, or `ms`, whichever comes first. */
async function settleWithin(ms: number, ...groups: Promise<unknown>[][]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(groups.flat()),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** BullMQ builds keys as `<prefix>:<queue>:...`, so a queue name cannot hold the separator. */
function assertQueueName(name: string): void {
  assertName('queue', name);
  if (name.includes(':')) throw new TypeError('queue must not contain ":" (the Redis key separator)');
}
