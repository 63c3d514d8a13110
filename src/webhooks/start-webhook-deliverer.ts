import type { ServeConfig } from '../config/index.js';
import type { Consumer, JobRef, QueueBackend } from '../jobs/index.js';
import { WEBHOOKS_QUEUE } from '../jobs/index.js';
import { type CallbackDeliveryDeps, deliverCallback } from './deliver-callback.js';

/** What the webhooks role needs. */
export interface WebhookDelivererDeps extends CallbackDeliveryDeps {
  queue: QueueBackend;
  /** Timeouts, retry schedule and concurrency limits (SQUISH_WEBHOOK_*). */
  settings?: WebhookSettings;
  /** Deliveries at once (default 4): they wait on the network, not the CPU. */
  concurrency?: number;
  /** Lease of a running delivery (default: the queue's). */
  leaseMs?: number;
}

/** The settings of webhook delivery. */
export type WebhookSettings = Pick<
  ServeConfig,
  | 'webhookTimeoutSeconds'
  | 'webhookAttempts'
  | 'webhookFirstRetrySeconds'
  | 'webhookRetrySpanSeconds'
  | 'webhookConcurrency'
  | 'webhookHostConcurrency'
>;

const DEFAULT_CONCURRENCY = 4;

/**
 * The webhooks role: consumes the "webhooks" queue (data `{ jobId }`, enqueued by the worker when
 * a callback job ends) and POSTs each result to its callback URL. Retries are the queue's, with
 * its backoff, up to the attempts given at enqueue time. Close the consumer on shutdown.
 */
export function startWebhookDeliverer(deps: WebhookDelivererDeps): Consumer {
  const log = deps.log.child({ role: 'webhooks' });
  const deliveryDeps: CallbackDeliveryDeps = { ...deps, log };
  return deps.queue.consume<JobRef>(WEBHOOKS_QUEUE, (job) => deliverCallback(deliveryDeps, job), {
    concurrency: deps.concurrency ?? DEFAULT_CONCURRENCY,
    ...(deps.leaseMs === undefined ? {} : { leaseMs: deps.leaseMs }),
  });
}
