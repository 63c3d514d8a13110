/**
 * `squish webhooks list` and `squish webhooks redeliver` on a real SQLite file in a temp data
 * folder: deliveries created by the data layer with the outcome of callback jobs, their attempts
 * recorded as the webhooks role records them, and the re-send queued in the embedded queue.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { CliStreams } from '../../src/cli/optimize/run-optimize.js';
import { runWebhooksList, runWebhooksRedeliver } from '../../src/cli/webhooks.js';
import { loadConfig } from '../../src/config/index.js';
import { openDatabase, type SquishDatabase } from '../../src/db/index.js';
import type { Account, WebhookDelivery } from '../../src/db/records.js';
import { EmbeddedQueue, WEBHOOKS_QUEUE } from '../../src/jobs/index.js';
import { DEFAULT_PLAN } from '../../src/plan/index.js';
import { captureStreams } from '../e2e/serve-process.js';

async function run(command: (streams: CliStreams) => Promise<number>) {
  const capture = captureStreams();
  const code = await command(capture.streams);
  return { code, stdout: capture.stdout(), stderr: capture.stderr() };
}

/** A data folder with its database open (closed and deleted in t.after). */
async function dataFolder(t: { after(fn: () => Promise<void>): void }) {
  const data = mkdtempSync(path.join(tmpdir(), 'squish-webhooks-cli-'));
  const db = await openDatabase(loadConfig({}, { data }).databaseUrl);
  t.after(async () => {
    await db.close();
    rmSync(data, { recursive: true, force: true });
  });
  return { data, db };
}

/** A callback job that has failed: its delivery is created with the outcome. */
async function endedCallbackJob(db: SquishDatabase, account: Account, url: string): Promise<WebhookDelivery> {
  const id = randomBytes(16).toString('hex');
  await db.jobs.create({
    id,
    accountId: account.id,
    source: { kind: 'url', url: 'https://images.example/a.png', fileName: 'a.png' },
    plan: DEFAULT_PLAN,
    delivery: { mode: 'callback', url },
    dev: false,
    compat: { api: 'kraken', data: null },
    expiresAt: new Date(Date.now() + 3600_000),
  });
  await db.jobs.fail(id, { code: 'FETCH_FAILED', message: 'The image could not be downloaded.' });
  const delivery = await db.deliveries.forJob(id);
  assert.ok(delivery);
  return delivery;
}

test('webhooks list: a table of deliveries with every attempt, JSON lines, filters by status and key', async (t) => {
  const { data, db } = await dataFolder(t);
  const { account: shop } = await db.accounts.create({ name: 'shop', quotaBytes: null });
  const { account: blog } = await db.accounts.create({ name: 'blog', quotaBytes: null });
  const dead = await endedCallbackJob(db, shop, 'https://hooks.shop.example/squish?token=s3cret');
  const delivered = await endedCallbackJob(db, shop, 'https://hooks.shop.example/squish?token=s3cret');
  const pending = await endedCallbackJob(db, blog, 'http://blog.example:8080/cb');
  const at = (second: number) => new Date(Date.UTC(2026, 0, 2, 3, 4, second));
  await db.deliveries.recordAttempt(
    dead.id,
    { attempt: 1, startedAt: at(0), durationMs: 10_000, httpStatus: null, error: 'No answer within 10 s.' },
    { status: 'pending', nextAttemptAt: at(4) },
  );
  await db.deliveries.recordAttempt(
    dead.id,
    {
      attempt: 2,
      startedAt: at(5),
      durationMs: 7,
      httpStatus: 410,
      error: 'The receiver answered HTTP 410.',
    },
    { status: 'dead' },
  );
  await db.deliveries.recordAttempt(
    delivered.id,
    { attempt: 1, startedAt: at(1), durationMs: 42, httpStatus: 204, error: null },
    { status: 'delivered' },
  );

  const table = await run((streams) => runWebhooksList({ data }, streams, {}));
  assert.equal(table.code, 0, table.stderr);
  for (const delivery of [dead, delivered, pending])
    assert.ok(table.stdout.includes(delivery.id), delivery.id);
  for (const text of [
    'dead',
    'delivered',
    'pending',
    '410',
    '204',
    '10000 ms',
    '42 ms',
    'No answer within 10 s.',
  ]) {
    assert.ok(table.stdout.includes(text), `${text} in\n${table.stdout}`);
  }
  assert.ok(table.stdout.includes('https://hooks.shop.example'), 'the receiver is named by its origin');
  assert.ok(
    !table.stdout.includes('s3cret'),
    "the URL's query (the receiver's own secret) stays out of the table",
  );

  const json = await run((streams) => runWebhooksList({ data, json: true }, streams, {}));
  const lines = json.stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.deepEqual(lines.map((line) => line.id).sort(), [dead.id, delivered.id, pending.id].sort());
  const deadLine = lines.find((line) => line.id === dead.id);
  assert.equal(deadLine.status, 'dead');
  assert.equal(deadLine.url, 'https://hooks.shop.example/squish?token=s3cret');
  assert.deepEqual(
    deadLine.history.map((attempt: Record<string, unknown>) => [
      attempt.attempt,
      attempt.http_status,
      attempt.duration_ms,
    ]),
    [
      [1, null, 10_000],
      [2, 410, 7],
    ],
  );

  const onlyDead = await run((streams) => runWebhooksList({ data, json: true, status: 'dead' }, streams, {}));
  assert.deepEqual(
    onlyDead.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line).id),
    [dead.id],
  );
  const blogOnly = await run((streams) =>
    runWebhooksList({ data, json: true, key: blog.apiKey }, streams, {}),
  );
  assert.deepEqual(
    blogOnly.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line).id),
    [pending.id],
  );
  const limited = await run((streams) => runWebhooksList({ data, json: true, limit: 2 }, streams, {}));
  assert.equal(limited.stdout.trimEnd().split('\n').length, 2);

  const none = await run((streams) =>
    runWebhooksList({ data, status: 'dead', key: blog.apiKey }, streams, {}),
  );
  assert.equal(none.code, 0);
  assert.match(none.stdout, /No dead webhook deliveries/);
  const unknownKey = await run((streams) => runWebhooksList({ data, key: 'f'.repeat(32) }, streams, {}));
  assert.equal(unknownKey.code, 1);
  assert.match(unknownKey.stderr, /no key/);
});

test('webhooks redeliver: a dead delivery becomes pending, due now, and is queued; an unknown id exits 1', async (t) => {
  const { data, db } = await dataFolder(t);
  const { account } = await db.accounts.create({ name: 'shop', quotaBytes: null });
  const delivery = await endedCallbackJob(db, account, 'https://hooks.shop.example/squish');
  await db.deliveries.recordAttempt(
    delivery.id,
    {
      attempt: 1,
      startedAt: new Date(),
      durationMs: 5,
      httpStatus: 500,
      error: 'The receiver answered HTTP 500.',
    },
    { status: 'dead' },
  );
  const queue = new EmbeddedQueue({ file: path.join(data, 'squish.db') });
  t.after(() => queue.close());
  const before = await queue.counts(WEBHOOKS_QUEUE);

  const started = Date.now();
  const redelivered = await run((streams) => runWebhooksRedeliver(delivery.id, { data }, streams, {}));
  assert.equal(redelivered.code, 0, redelivered.stderr);
  assert.match(redelivered.stdout, new RegExp(`Delivery ${delivery.id} .* is pending again`));
  const stored = await db.deliveries.get(delivery.id);
  assert.equal(stored?.status, 'pending');
  assert.equal(stored?.attempts, 1, 'the history is kept');
  assert.ok(stored?.nextAttemptAt && Math.abs(stored.nextAttemptAt.getTime() - started) < 5000);
  const after = await queue.counts(WEBHOOKS_QUEUE);
  assert.ok(
    after.waiting + after.delayed > before.waiting + before.delayed,
    JSON.stringify({ before, after }),
  );

  const json = await run((streams) => runWebhooksRedeliver(delivery.id, { data, json: true }, streams, {}));
  assert.equal(json.code, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout).status, 'pending');

  // --wait with no webhooks role running: nothing is attempted; exit 3 says so, and it stays pending.
  const waited = await run((streams) => runWebhooksRedeliver(delivery.id, { data, wait: 1 }, streams, {}));
  assert.equal(waited.code, 3, waited.stdout);
  assert.match(waited.stderr, /No attempt within 1 s/);
  assert.equal((await db.deliveries.get(delivery.id))?.status, 'pending');

  for (const id of ['0'.repeat(32), 'nonsense']) {
    const unknown = await run((streams) => runWebhooksRedeliver(id, { data }, streams, {}));
    assert.equal(unknown.code, 1, id);
    assert.match(unknown.stderr, /no webhook delivery/);
    assert.equal(unknown.stdout, '');
  }
});
