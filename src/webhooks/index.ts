/**
 * The webhooks role: durable, signed, retried delivery of callback results.
 *
 * A callback job's outcome is stored together with its delivery record (JobStore.complete/fail),
 * so a result never exists without its delivery. Queue jobs only wake a delivery for one attempt;
 * each attempt is signed (signature.ts), POSTed through the guarded client, recorded with its
 * status code, latency and error, and either ends the delivery (2xx: delivered; 410 Gone, a
 * refused URL or the last attempt: dead) or schedules the next attempt as a new delayed queue job
 * (retry-schedule.ts). A wake lost with a crashed process is retried by the queue's lease, and the
 * janitor re-wakes overdue deliveries whose queue job was lost altogether: at least once.
 */
export {
  type AttemptDeps,
  type AttemptResult,
  MAX_ANSWER_BYTES,
  runDeliveryWake,
  type WakeData,
} from './deliver-attempt.js';
export { HostSlots } from './host-slots.js';
export { redeliverWebhook } from './redeliver.js';
export {
  RETRY_JITTER,
  type RetryScheduleSettings,
  retryDelayMs,
  retryGrowthFactor,
  retrySchedule,
} from './retry-schedule.js';
export {
  DEFAULT_TOLERANCE_SECONDS,
  signWebhook,
  type VerifyWebhookInput,
  verifyWebhookSignature,
  WEBHOOK_HEADERS,
  type WebhookSigningSecrets,
} from './signature.js';
export {
  DEFAULT_WEBHOOK_SETTINGS,
  startWebhookDeliverer,
  type WebhookDelivererDeps,
  type WebhookSettings,
} from './start-webhook-deliverer.js';
