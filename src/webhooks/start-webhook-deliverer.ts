import type { Logger } from 'pino';
import type { CompatResponder } from '../compat/responder.js';
import type { ServeConfig } from '../config/index.js';
import type { SquishDatabase } from '../db/index.js';
import type { Consumer, QueueBackend } from '../jobs/index.js';
import { WEBHOOKS_QUEUE } from '../jobs/index.js';
import type { OutboundPolicy } from '../net/index.js';
import { type AttemptDeps, runDeliveryWake, type WakeData } from './deliver-attempt.js';
import { HostSlots } from './host-slots.js';

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

/** The settings' defaults (those of src/config/settings.ts), for callers that pass none. */
export const DEFAULT_WEBHOOK_SETTINGS: Readonly<WebhookSettings> = {
  webhookTimeoutSeconds: 10,
  webhookAttempts: 15,
  webhookFirstRetrySeconds: 4,
  webhookRetrySpanSeconds: 86_400,
  webhookConcurrency: 32,
  webhookHostConcurrency: 4,
};

/** What the webhooks role needs. */
export interface WebhookDelivererDeps {
  db: SquishDatabase;
  queue: QueueBackend;
  /** The guarded client's policy for callback URLs; its timeout is replaced by the webhook timeout. */
  policy: OutboundPolicy;
  /** One per compat API, found by `job.compat.api`. */
  responders: readonly CompatResponder[];
  /** Builds a result's public download URL (under SQUISH_PUBLIC_URL). */
  downloadUrl: (token: string, fileName: string) => string;
  log: Logger;
  /** Timeouts, retry schedule and concurrency limits (SQUISH_WEBHOOK_*; default: the settings' defaults). */
  settings?: WebhookSettings;
  /** Deliveries at once (default: settings.webhookConcurrency). */
  concurrency?: number;
  /** Lease of a running delivery (default: the queue's). */
  leaseMs?: number;
}

/**
 * The webhooks role: consumes the "webhooks" queue, whose jobs wake deliveries (data layer) for
 * one attempt each, and POSTs each signed result to its callback URL (see deliver-attempt.ts).
 * At most `webhookConcurrency` attempts at once in this process, and at most
 * `webhookHostConcurrency` of them to one host. Close the consumer on shutdown; an attempt still
 * running after the close timeout is handed back to the queue and made again.
 */
export function startWebhookDeliverer(deps: WebhookDelivererDeps): Consumer {
  const settings = { ...DEFAULT_WEBHOOK_SETTINGS, ...deps.settings };
  const log = deps.log.child({ role: 'webhooks' });
  const attemptDeps: AttemptDeps = {
    db: deps.db,
    queue: deps.queue,
    policy: { ...deps.policy, timeoutMs: settings.webhookTimeoutSeconds * 1000 },
    responders: deps.responders,
    downloadUrl: deps.downloadUrl,
    schedule: settings,
    hostSlots: new HostSlots(settings.webhookHostConcurrency),
    log,
  };
  return deps.queue.consume<WakeData>(WEBHOOKS_QUEUE, (job) => runDeliveryWake(attemptDeps, job), {
    concurrency: deps.concurrency ?? settings.webhookConcurrency,
    ...(deps.leaseMs === undefined ? {} : { leaseMs: deps.leaseMs }),
  });
}
