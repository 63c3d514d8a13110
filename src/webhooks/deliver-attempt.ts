import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { CompatResponder } from '../compat/responder.js';
import type { SquishDatabase, WebhookAttempt, WebhookDelivery } from '../db/index.js';
import { isSquishError } from '../errors/index.js';
import type { JobRef, QueueBackend, QueueJob } from '../jobs/index.js';
import { type DeliveryWake, enqueueDeliveryAttempt } from '../jobs/queue-names.js';
import type { OutboundPolicy } from '../net/index.js';
import { postJsonText } from '../net/post-json.js';
import type { HostSlots } from './host-slots.js';
import { type RetryScheduleSettings, retryDelayMs } from './retry-schedule.js';
import { signWebhook, WEBHOOK_HEADERS } from './signature.js';

/** The most of a receiver's answer read; it is kept as the failed attempt's error text. */
export const MAX_ANSWER_BYTES = 4 * 1024;

/**
 * A delivery whose host is busy goes back on the queue after a delay that doubles with each
 * put-back of the same attempt, from 250 ms up to 30 s (jittered ±20 %): soon when the host frees
 * up quickly, and without a storm of queue jobs when many deliveries wait for one slow host (a
 * thousand of them cost about 33 wakes a second at the cap).
 */
const PUT_BACK_FIRST_MS = 250;
const PUT_BACK_MAX_MS = 30_000;

function putBackDelayMs(putBacks: number): number {
  const base = Math.min(PUT_BACK_MAX_MS, PUT_BACK_FIRST_MS * 2 ** Math.min(putBacks, 16));
  return base * (0.8 + 0.4 * Math.random());
}

/** What one attempt needs. */
export interface AttemptDeps {
  db: SquishDatabase;
  queue: QueueBackend;
  /** The guarded client's policy, its timeout already the webhook timeout. */
  policy: OutboundPolicy;
  /** One per compat API, found by `job.compat.api`. */
  responders: readonly CompatResponder[];
  /** Builds a result's public download URL (under SQUISH_PUBLIC_URL). */
  downloadUrl: (token: string, fileName: string) => string;
  schedule: RetryScheduleSettings;
  hostSlots: HostSlots;
  log: Logger;
}

/** The data of a webhooks queue job: the first attempt's `{ jobId }`, or a later wake. */
export type WakeData = JobRef | DeliveryWake;

/** The result of a webhooks queue job (kept in the queue's history). */
export type AttemptResult =
  | { status: 'delivered'; attempt: number; httpStatus: number }
  | { status: 'retrying'; attempt: number; nextAttemptAt: string }
  | { status: 'dead'; attempt: number }
  | { status: 'put-back'; attempt: number }
  | { status: 'skipped'; reason: string };

/** What the receiver's side of one attempt came to. */
interface Verdict {
  httpStatus: number | null;
  error: string | null;
  /** No further attempt can help (410 Gone, a refused URL, nothing to send). */
  final: boolean;
}

/**
 * Runs one wake of a delivery: makes its next attempt, records it, and schedules the one after.
 *
 * The delivery record decides: a wake for an attempt already made, or for a delivery no longer
 * pending, does nothing but make sure the next wake exists (a wake job run again after a crash).
 * A host with all its slots busy puts the wake back on the queue without an attempt. Only
 * infrastructure failures (the database) throw, so that the queue retries the wake; the
 * receiver's failures are recorded and retried by the delivery's schedule.
 */
export async function runDeliveryWake(deps: AttemptDeps, job: QueueJob<WakeData>): Promise<AttemptResult> {
  const data = job.data;
  const delivery =
    'jobId' in data
      ? await deps.db.deliveries.forJob(data.jobId)
      : await deps.db.deliveries.get(data.deliveryId);
  if (!delivery) return { status: 'skipped', reason: 'no such delivery' };
  const attempt = 'attempt' in data ? data.attempt : 1;
  if (delivery.status !== 'pending')
    return { status: 'skipped', reason: `the delivery is ${delivery.status}` };
  if (attempt !== delivery.attempts + 1) {
    await ensureNextWake(deps.queue, delivery);
    return { status: 'skipped', reason: `attempt ${attempt} is not the next one` };
  }

  const host = hostOf(delivery.url);
  if (!deps.hostSlots.tryAcquire(host)) {
    const putBacks = 'putBacks' in data ? (data.putBacks ?? 0) : 0;
    const delayMs = putBackDelayMs(putBacks);
    // The due time moves with the put-back, so the janitor does not take a delivery that waits
    // for its host for lost (and start a second chain of wakes for it).
    if (!(await deps.db.deliveries.postpone(delivery.id, attempt, new Date(Date.now() + delayMs)))) {
      return { status: 'skipped', reason: `attempt ${attempt} was made meanwhile` };
    }
    await enqueueDeliveryAttempt(
      deps.queue,
      { deliveryId: delivery.id, attempt, putBacks: putBacks + 1 },
      { delayMs, tag: `p${putBacks + 1}x${Math.random().toString(36).slice(2, 8)}` },
    );
    return { status: 'put-back', attempt };
  }
  try {
    return await attemptDelivery(deps, delivery, attempt);
  } finally {
    deps.hostSlots.release(host);
  }
}

async function attemptDelivery(
  deps: AttemptDeps,
  delivery: WebhookDelivery,
  attempt: number,
): Promise<AttemptResult> {
  const log = deps.log.child({ deliveryId: delivery.id, jobId: delivery.jobId, attempt });
  const startedAt = new Date();
  const started = performance.now();
  const verdict = await send(deps, delivery, attempt);
  const record: WebhookAttempt = {
    attempt,
    startedAt,
    durationMs: Math.round(performance.now() - started),
    httpStatus: verdict.httpStatus,
    error: verdict.error,
  };

  if (verdict.error === null) {
    await deps.db.deliveries.recordAttempt(delivery.id, record, { status: 'delivered' });
    log.info({ httpStatus: verdict.httpStatus, ms: record.durationMs }, 'webhook delivered');
    return { status: 'delivered', attempt, httpStatus: verdict.httpStatus ?? 0 };
  }
  const delayMs = verdict.final ? undefined : retryDelayMs(deps.schedule, attempt);
  if (delayMs === undefined) {
    await deps.db.deliveries.recordAttempt(delivery.id, record, { status: 'dead' });
    log.error({ httpStatus: verdict.httpStatus, error: verdict.error }, 'webhook dead: no further attempt');
    return { status: 'dead', attempt };
  }
  const nextAttemptAt = new Date(Date.now() + delayMs);
  await deps.db.deliveries.recordAttempt(delivery.id, record, { status: 'pending', nextAttemptAt });
  // Recorded first, then scheduled: a crash in between leaves a pending delivery whose wake is
  // missing, which the wake job's own retry (or the janitor) schedules again.
  await enqueueDeliveryAttempt(deps.queue, { deliveryId: delivery.id, attempt: attempt + 1 }, { delayMs });
  log.warn(
    { httpStatus: verdict.httpStatus, error: verdict.error, retryInMs: delayMs },
    'webhook attempt failed; will retry',
  );
  return { status: 'retrying', attempt, nextAttemptAt: nextAttemptAt.toISOString() };
}

/** Builds, signs and POSTs the body; never throws for the receiver's or the URL's faults. */
async function send(deps: AttemptDeps, delivery: WebhookDelivery, attempt: number): Promise<Verdict> {
  const job = await deps.db.jobs.get(delivery.jobId);
  if (!job) return { httpStatus: null, error: 'The job no longer exists.', final: true };
  const responder = deps.responders.find((candidate) => candidate.api === job.compat.api);
  if (!responder)
    return { httpStatus: null, error: `No callback responder for the ${job.compat.api} API.`, final: true };
  const secrets = await deps.db.accounts.signingSecrets(delivery.accountId);
  if (!secrets) return { httpStatus: null, error: 'The account has no signing secret.', final: true };

  const body = JSON.stringify(responder.callbackBody(job, deps.downloadUrl));
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = {
    [WEBHOOK_HEADERS.deliveryId]: delivery.id,
    [WEBHOOK_HEADERS.attempt]: String(attempt),
    [WEBHOOK_HEADERS.timestamp]: String(timestamp),
    [WEBHOOK_HEADERS.signature]: signWebhook(secrets, timestamp, body),
  };
  try {
    const answer = await postJsonText(delivery.url, body, deps.policy, {
      headers,
      maxAnswerBytes: MAX_ANSWER_BYTES,
    });
    if (answer.status >= 200 && answer.status <= 299)
      return { httpStatus: answer.status, error: null, final: false };
    // Control characters out: the answer is the receiver's, and PostgreSQL refuses a NUL in text.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point.
    const text = answer.body.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ').trim();
    return {
      httpStatus: answer.status,
      error: `HTTP ${answer.status}${text ? `: ${text}` : ''}`,
      // 410 Gone: the receiver says this endpoint will never take it.
      final: answer.status === 410,
    };
  } catch (error) {
    // The guard's messages name the host only, except for a URL it cannot parse at all; the
    // URL's path and query may hold the receiver's secrets, so they never reach the record.
    const message = (error instanceof Error ? error.message : String(error)).replaceAll(
      delivery.url,
      'the callback URL',
    );
    const refused = isSquishError(error) && error.code === 'URL_NOT_ALLOWED';
    return { httpStatus: null, error: message, final: refused };
  }
}

/** Schedules the wake of a pending delivery's next attempt, at its due time (a no-op when it exists). */
async function ensureNextWake(queue: QueueBackend, delivery: WebhookDelivery): Promise<void> {
  if (delivery.status !== 'pending') return;
  const delayMs = (delivery.nextAttemptAt?.getTime() ?? Date.now()) - Date.now();
  await enqueueDeliveryAttempt(
    queue,
    { deliveryId: delivery.id, attempt: delivery.attempts + 1 },
    { delayMs },
  );
}

/**
 * The receiver's host name, the unit of the per-host limit: without the port, since several
 * ports of one machine share its capacity.
 */
function hostOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return url;
  }
}
