/**
 * Squish's own webhook API (not Kraken's): an account lists its callback deliveries with their
 * attempts, reads one, and re-sends one. Authenticated with HTTP Basic `api_key:api_secret`; an
 * account sees only its own deliveries (another account's id answers 404, as an unknown one).
 *
 *   GET  /squish/v1/webhooks?status=dead&limit=50   -> 200 {"deliveries": [delivery, ...]} newest first
 *   GET  /squish/v1/webhooks/:id                    -> 200 delivery
 *   POST /squish/v1/webhooks/:id/redeliver          -> 202 delivery (pending again, due now)
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SquishDatabase } from '../db/database.js';
import type { Account, DeliveryStatus, WebhookDelivery } from '../db/records.js';
import { SquishError } from '../errors/index.js';
import type { JobService } from './job-service.js';

/** Where the routes live. */
export const WEBHOOK_API_PREFIX = '/squish/v1/webhooks';

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'dead'];
/** Deliveries one list answers by default, and at most. */
export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 1000;

export interface WebhookRouteDeps {
  /** Checks the key pair (UNAUTHORIZED, ACCOUNT_SUSPENDED), as the compat routes do. */
  jobs: Pick<JobService, 'authenticate'>;
  db: SquishDatabase;
  /** Makes a delivery pending again and hands it to the webhooks role; undefined when unknown. */
  redeliver(deliveryId: string): Promise<WebhookDelivery | undefined>;
}

/** One attempt as the API and `squish webhooks list --json` show it. */
export interface WebhookAttemptJson {
  attempt: number;
  started_at: string;
  duration_ms: number;
  http_status: number | null;
  error: string | null;
}

/** A delivery as the API and `squish webhooks list --json` show it. */
export interface WebhookDeliveryJson {
  id: string;
  job_id: string;
  status: DeliveryStatus;
  url: string;
  attempts: number;
  next_attempt_at: string | null;
  created_at: string;
  delivered_at: string | null;
  history: WebhookAttemptJson[];
}

/** The JSON shape of a delivery (snake_case, ISO 8601 times, null for what is absent). */
export function deliveryJson(delivery: WebhookDelivery): WebhookDeliveryJson {
  return {
    id: delivery.id,
    job_id: delivery.jobId,
    status: delivery.status,
    url: delivery.url,
    attempts: delivery.attempts,
    next_attempt_at: delivery.nextAttemptAt?.toISOString() ?? null,
    created_at: delivery.createdAt.toISOString(),
    delivered_at: delivery.deliveredAt?.toISOString() ?? null,
    history: delivery.history.map((attempt) => ({
      attempt: attempt.attempt,
      started_at: attempt.startedAt.toISOString(),
      duration_ms: attempt.durationMs,
      http_status: attempt.httpStatus,
      error: attempt.error,
    })),
  };
}

/**
 * The key pair of an `Authorization: Basic` header, or undefined when there is none or it is
 * malformed. Hand-written: Basic is one base64 split on the first colon (RFC 7617), and no
 * installed package parses it.
 */
export function basicCredentials(
  header: string | undefined,
): { apiKey: string; apiSecret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { apiKey: decoded.slice(0, colon), apiSecret: decoded.slice(colon + 1) };
}

async function authenticate(
  deps: WebhookRouteDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Account> {
  // Every 401 says how to authenticate (RFC 9110), whether the header was missing or wrong.
  reply.header('WWW-Authenticate', 'Basic realm="squish", charset="UTF-8"');
  const credentials = basicCredentials(request.headers.authorization);
  if (!credentials) {
    throw new SquishError(
      'UNAUTHORIZED',
      'Authenticate with HTTP Basic: your api_key as the user name, your api_secret as the password.',
    );
  }
  const account = await deps.jobs.authenticate(credentials.apiKey, credentials.apiSecret);
  reply.removeHeader('WWW-Authenticate');
  return account;
}

/** The delivery `id` names if it is this account's; NOT_FOUND otherwise, never telling which. */
async function ownDelivery(deps: WebhookRouteDeps, account: Account, id: string): Promise<WebhookDelivery> {
  const delivery = /^[0-9a-f]{32}$/.test(id) ? await deps.db.deliveries.get(id) : undefined;
  if (!delivery || delivery.accountId !== account.id) {
    throw new SquishError('NOT_FOUND', `No webhook delivery ${id} for this key.`);
  }
  return delivery;
}

function listFilter(query: unknown): { status?: DeliveryStatus; limit: number } {
  const { status, limit } = (query ?? {}) as Record<string, unknown>;
  if (status !== undefined && !DELIVERY_STATUSES.includes(status as DeliveryStatus)) {
    throw new SquishError('INVALID_OPTION', `status must be one of ${DELIVERY_STATUSES.join(', ')}.`);
  }
  let count = DEFAULT_LIST_LIMIT;
  if (limit !== undefined) {
    count = typeof limit === 'string' && /^\d{1,5}$/.test(limit) ? Number(limit) : 0;
    if (count < 1 || count > MAX_LIST_LIMIT) {
      throw new SquishError('INVALID_OPTION', `limit must be a whole number from 1 to ${MAX_LIST_LIMIT}.`);
    }
  }
  return { ...(status === undefined ? {} : { status: status as DeliveryStatus }), limit: count };
}

/** Registers the webhook routes; errors are answered by the server's JSON error handler. */
export function registerWebhookRoutes(app: FastifyInstance, deps: WebhookRouteDeps): void {
  app.get(WEBHOOK_API_PREFIX, async (request, reply) => {
    const account = await authenticate(deps, request, reply);
    const filter = listFilter(request.query);
    const deliveries = await deps.db.deliveries.list({ ...filter, accountId: account.id });
    return { deliveries: deliveries.map(deliveryJson) };
  });

  app.get<{ Params: { id: string } }>(`${WEBHOOK_API_PREFIX}/:id`, async (request, reply) => {
    const account = await authenticate(deps, request, reply);
    return deliveryJson(await ownDelivery(deps, account, request.params.id));
  });

  app.post<{ Params: { id: string } }>(`${WEBHOOK_API_PREFIX}/:id/redeliver`, async (request, reply) => {
    const account = await authenticate(deps, request, reply);
    const delivery = await ownDelivery(deps, account, request.params.id);
    const again = await deps.redeliver(delivery.id);
    // Gone between the two reads (the janitor expired its job): as unknown.
    if (!again) throw new SquishError('NOT_FOUND', `No webhook delivery ${delivery.id} for this key.`);
    return reply.code(202).send(deliveryJson(again));
  });
}
