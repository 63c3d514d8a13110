/**
 * `squish webhooks`: the operator's view of callback deliveries in the database the settings name
 * (`--data` or SQUISH_DATA_DIR, or SQUISH_DATABASE_URL): `list` shows every delivery with its
 * attempts, `redeliver` re-sends one (dead, delivered or still pending) through the queue the
 * settings name, for a running webhooks role to deliver.
 */
import Table from 'cli-table3';
import { pino } from 'pino';
import { deliveryJson } from '../api/webhook-routes.js';
import type { SquishDatabase } from '../db/index.js';
import type { DeliveryStatus, WebhookAttempt, WebhookDelivery } from '../db/records.js';
import { openQueue } from '../jobs/index.js';
import { redeliverWebhook } from '../webhooks/index.js';
import { EXIT_NOT_FOUND, withDatabase } from './keys.js';
import type { CliStreams } from './optimize/run-optimize.js';

/** Options of `webhooks list`. */
export interface WebhooksListFlags {
  data?: string;
  status?: DeliveryStatus;
  /** Only this key's deliveries. */
  key?: string;
  limit?: number;
  json?: boolean;
}

/** Deliveries `list` shows when --limit is not given. */
export const DEFAULT_LIST_LIMIT = 50;

/** `YYYY-MM-DD HH:MM:SS` (UTC), as `keys list` shows times. */
function timeText(date: Date | undefined): string {
  return date ? date.toISOString().slice(0, 19).replace('T', ' ') : '–';
}

/**
 * The receiver's origin only: a callback URL's path or query may carry the receiver's own secret
 * (a token in the URL), which does not belong in a terminal or a pasted table. --json has it whole.
 */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

function stateText(delivery: WebhookDelivery): string {
  if (delivery.status === 'delivered') return `delivered\n${timeText(delivery.deliveredAt)}`;
  if (delivery.status === 'pending') return `pending\nnext ${timeText(delivery.nextAttemptAt)}`;
  return 'dead';
}

function attemptCells(attempt: WebhookAttempt | undefined): string[] {
  if (!attempt) return ['–', '', '', '', 'no attempt yet'];
  return [
    String(attempt.attempt),
    timeText(attempt.startedAt),
    attempt.httpStatus === null ? '–' : String(attempt.httpStatus),
    `${attempt.durationMs} ms`,
    attempt.error ?? 'ok',
  ];
}

/** One table row per attempt; the delivery's own cells span its attempts. */
function renderTable(deliveries: readonly WebhookDelivery[], colour: boolean): string {
  const table = new Table({
    head: ['delivery / job', 'receiver', 'status', 'attempt', 'started (UTC)', 'HTTP', 'latency', 'error'],
    wordWrap: true,
    // Errors are sentences: wrapped in a column of their own width, the others as wide as they need.
    colWidths: [null, null, null, null, null, null, null, 44],
    // Escape codes only for a terminal: a table piped to a file or a ticket stays plain text.
    ...(colour ? {} : { style: { head: [], border: [] } }),
  });
  for (const delivery of deliveries) {
    const span = Math.max(1, delivery.history.length);
    const [first, ...rest] = delivery.history;
    table.push([
      { content: `${delivery.id}\njob ${delivery.jobId}`, rowSpan: span },
      { content: originOf(delivery.url), rowSpan: span },
      { content: stateText(delivery), rowSpan: span },
      ...attemptCells(first),
    ]);
    for (const attempt of rest) table.push(attemptCells(attempt));
  }
  return table.toString();
}

/**
 * `webhooks list [--status S] [--key API_KEY] [--limit N] [--json]`: deliveries newest first with
 * their attempts, as a table or as JSON lines (one delivery per line, the API's shape). Exit 1
 * for an unknown --key.
 */
export function runWebhooksList(
  flags: WebhooksListFlags,
  streams: CliStreams,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return withDatabase(flags, streams, env, async (db) => {
    let accountId: string | undefined;
    if (flags.key !== undefined) {
      const account = await db.accounts.getByKey(flags.key);
      if (!account) {
        streams.stderr.write(`error: no key ${flags.key}\n`);
        return EXIT_NOT_FOUND;
      }
      accountId = account.id;
    }
    const deliveries = await db.deliveries.list({
      ...(accountId === undefined ? {} : { accountId }),
      ...(flags.status === undefined ? {} : { status: flags.status }),
      limit: flags.limit ?? DEFAULT_LIST_LIMIT,
    });
    if (flags.json) {
      streams.stdout.write(
        deliveries.map((delivery) => `${JSON.stringify(deliveryJson(delivery))}\n`).join(''),
      );
      return 0;
    }
    if (deliveries.length === 0) {
      const what = flags.status ? `${flags.status} webhook deliveries` : 'webhook deliveries';
      streams.stdout.write(`No ${what}${flags.key ? ` for ${flags.key}` : ''}.\n`);
      return 0;
    }
    streams.stdout.write(`${renderTable(deliveries, streams.stdout.isTTY === true)}\n`);
    return 0;
  });
}

/** Exit status of `redeliver --wait` when the re-sent attempt failed or did not happen in time. */
export const EXIT_NOT_DELIVERED = 3;

/** How often `redeliver --wait` reads the delivery back. */
const WAIT_POLL_MS = 250;

/**
 * The delivery once it has more than `attemptsBefore` attempts (the re-sent one was made), or
 * undefined after `waitSeconds`. Reads the database, so it works whichever process delivers.
 */
async function awaitNextAttempt(
  db: SquishDatabase,
  id: string,
  attemptsBefore: number,
  waitSeconds: number,
): Promise<WebhookDelivery | undefined> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    const delivery = await db.deliveries.get(id);
    if (delivery && delivery.history.length > attemptsBefore) return delivery;
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
}

function attemptText(attempt: WebhookAttempt): string {
  const answer = attempt.httpStatus === null ? 'no answer' : `HTTP ${attempt.httpStatus}`;
  return `attempt ${attempt.attempt}: ${answer} in ${attempt.durationMs} ms${attempt.error ? ` (${attempt.error})` : ''}`;
}

/**
 * `webhooks redeliver ID [--wait SECONDS] [--json]`: makes the delivery pending again, due now, and
 * enqueues it for the webhooks role (which must be running somewhere on the same database and
 * queue). Prints the delivery's state; with --wait, waits for the re-sent attempt and prints how
 * it went. Exit 1 for an unknown id; with --wait, 3 when that attempt failed or was not made in time.
 */
export function runWebhooksRedeliver(
  id: string,
  flags: { data?: string; json?: boolean; wait?: number },
  streams: CliStreams,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return withDatabase(flags, streams, env, async (db, config) => {
    const queue = await openQueue(config, pino({ level: 'warn' }, pino.destination(2)));
    let delivery: WebhookDelivery | undefined;
    try {
      delivery = /^[0-9a-f]{32}$/.test(id) ? await redeliverWebhook({ db, queue }, id) : undefined;
    } finally {
      await queue.close();
    }
    if (!delivery) {
      streams.stderr.write(`error: no webhook delivery ${id}\n`);
      return EXIT_NOT_FOUND;
    }
    if (flags.wait === undefined) {
      if (flags.json) {
        streams.stdout.write(`${JSON.stringify(deliveryJson(delivery))}\n`);
        return 0;
      }
      streams.stdout.write(
        [
          `Delivery ${delivery.id} (job ${delivery.jobId}) to ${originOf(delivery.url)} is ${delivery.status} again,`,
          `due ${timeText(delivery.nextAttemptAt ?? new Date())} UTC, after ${delivery.attempts} earlier attempt(s).`,
          'A running webhooks role sends it; follow it with `squish webhooks list`.',
          '',
        ].join('\n'),
      );
      return 0;
    }

    if (!flags.json) {
      streams.stdout.write(
        `Delivery ${delivery.id} to ${originOf(delivery.url)} queued again; waiting up to ${flags.wait} s for the attempt...\n`,
      );
    }
    const after = await awaitNextAttempt(db, delivery.id, delivery.history.length, flags.wait);
    const shown = after ?? (await db.deliveries.get(delivery.id)) ?? delivery;
    if (flags.json) streams.stdout.write(`${JSON.stringify(deliveryJson(shown))}\n`);
    if (!after) {
      streams.stderr.write(
        `No attempt within ${flags.wait} s: is a webhooks role running on this database and queue? The delivery stays pending.\n`,
      );
      return EXIT_NOT_DELIVERED;
    }
    const attempt = after.history[after.history.length - 1]!;
    if (!flags.json) {
      const next = after.status === 'pending' ? `; next attempt ${timeText(after.nextAttemptAt)} UTC` : '';
      streams.stdout.write(`${attemptText(attempt)}; the delivery is ${after.status}${next}.\n`);
    }
    return after.status === 'delivered' ? 0 : EXIT_NOT_DELIVERED;
  });
}
