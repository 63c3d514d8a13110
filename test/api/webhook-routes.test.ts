/**
 * Squish's own webhook API on real embedded backends (SQLite file, embedded queue): HTTP Basic
 * authentication, an account sees only its own deliveries, the list filter, one delivery with its
 * attempts, and a re-send that makes a dead delivery pending again and queues it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildServer } from '../../src/api/server.js';
import { basicCredentials } from '../../src/api/webhook-routes.js';
import type { Account } from '../../src/db/records.js';
import { WEBHOOKS_QUEUE } from '../../src/jobs/index.js';
import { DEFAULT_PLAN } from '../../src/plan/index.js';
import { type Backends, openBackends } from './backends.js';

const PREFIX = '/squish/v1/webhooks';

/** An account and the Authorization header of its key pair. */
async function accountWithAuth(backends: Backends, name: string) {
  const { account, apiSecret } = await backends.db.accounts.create({ name, quotaBytes: null });
  const authorization = `Basic ${Buffer.from(`${account.apiKey}:${apiSecret}`).toString('base64')}`;
  return { account, apiSecret, authorization };
}

/** A callback job that has ended: the data layer creates its delivery with the outcome. */
async function endedCallbackJob(backends: Backends, account: Account, url: string) {
  const job = await backends.jobs.submit({
    account,
    source: { kind: 'url', url: 'https://images.example/a.png' },
    plan: DEFAULT_PLAN,
    delivery: { mode: 'callback', url },
    dev: false,
    compat: { api: 'kraken', data: null },
  });
  await backends.db.jobs.fail(job.id, {
    code: 'FETCH_FAILED',
    message: 'The image could not be downloaded.',
  });
  const delivery = await backends.db.deliveries.forJob(job.id);
  assert.ok(delivery, 'the ended callback job has a delivery');
  return delivery;
}

async function server(t: { after(fn: () => Promise<unknown>): void }, backends: Backends) {
  const app = await buildServer({ ...backends, waitTimeoutMs: 5000 });
  t.after(() => app.close());
  return app;
}

test('Basic credentials: parsed from the header; anything malformed is no credentials', () => {
  const header = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
  assert.deepEqual(basicCredentials(header('k:s:with:colons')), { apiKey: 'k', apiSecret: 's:with:colons' });
  assert.equal(basicCredentials(undefined), undefined);
  assert.equal(basicCredentials(header('no-colon')), undefined);
  assert.equal(basicCredentials(header(':secret')), undefined);
  assert.equal(basicCredentials('Bearer abc'), undefined);
});

test('without or with wrong credentials: 401 UNAUTHORIZED with a Basic challenge; suspended: 403', async (t) => {
  const backends = await openBackends(t);
  const app = await server(t, backends);
  const { account, authorization } = await accountWithAuth(backends, 'a');

  const anonymous = await app.inject(PREFIX);
  assert.equal(anonymous.statusCode, 401);
  assert.equal(anonymous.json().code, 'UNAUTHORIZED');
  assert.equal(anonymous.json().success, false);
  assert.match(String(anonymous.headers['www-authenticate']), /^Basic realm="squish"/);

  const wrong = await app.inject({
    url: PREFIX,
    headers: { authorization: `Basic ${Buffer.from(`${account.apiKey}:nope`).toString('base64')}` },
  });
  assert.equal(wrong.statusCode, 401);
  assert.equal(wrong.json().code, 'UNAUTHORIZED');

  const ok = await app.inject({ url: PREFIX, headers: { authorization } });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.headers['www-authenticate'], undefined);
  assert.deepEqual(ok.json(), { deliveries: [] });

  await backends.db.accounts.setStatus(account.apiKey, 'suspended');
  const suspended = await app.inject({ url: PREFIX, headers: { authorization } });
  assert.equal(suspended.statusCode, 403);
  assert.equal(suspended.json().code, 'ACCOUNT_SUSPENDED');
});

test('an account lists and reads only its own deliveries, with their attempts; filters are checked', async (t) => {
  const backends = await openBackends(t);
  const app = await server(t, backends);
  const alice = await accountWithAuth(backends, 'alice');
  const bob = await accountWithAuth(backends, 'bob');
  const first = await endedCallbackJob(backends, alice.account, 'https://alice.example/hook?token=1');
  const second = await endedCallbackJob(backends, alice.account, 'https://alice.example/hook?token=2');
  const bobs = await endedCallbackJob(backends, bob.account, 'https://bob.example/hook');

  const startedAt = new Date('2026-01-02T03:04:05.000Z');
  await backends.db.deliveries.recordAttempt(
    first.id,
    { attempt: 1, startedAt, durationMs: 12, httpStatus: 500, error: 'The receiver answered HTTP 500.' },
    { status: 'dead' },
  );

  const list = await app.inject({ url: PREFIX, headers: { authorization: alice.authorization } });
  assert.equal(list.statusCode, 200, list.body);
  const listed = list.json().deliveries as { id: string }[];
  assert.deepEqual(listed.map((delivery) => delivery.id).sort(), [first.id, second.id].sort());

  const dead = await app.inject({
    url: `${PREFIX}?status=dead&limit=10`,
    headers: { authorization: alice.authorization },
  });
  assert.equal(dead.statusCode, 200, dead.body);
  const [only, ...more] = dead.json().deliveries;
  assert.equal(more.length, 0);
  assert.deepEqual(only, {
    id: first.id,
    job_id: first.jobId,
    status: 'dead',
    url: 'https://alice.example/hook?token=1',
    attempts: 1,
    next_attempt_at: null,
    created_at: first.createdAt.toISOString(),
    delivered_at: null,
    history: [
      {
        attempt: 1,
        started_at: startedAt.toISOString(),
        duration_ms: 12,
        http_status: 500,
        error: 'The receiver answered HTTP 500.',
      },
    ],
  });

  const limited = await app.inject({
    url: `${PREFIX}?limit=1`,
    headers: { authorization: alice.authorization },
  });
  assert.equal(limited.json().deliveries.length, 1);

  const one = await app.inject({
    url: `${PREFIX}/${first.id}`,
    headers: { authorization: alice.authorization },
  });
  assert.equal(one.statusCode, 200, one.body);
  assert.deepEqual(one.json(), only);

  // Bob's delivery is as unknown to Alice as an id that does not exist.
  for (const id of [bobs.id, 'f'.repeat(32), 'not-an-id']) {
    const other = await app.inject({
      url: `${PREFIX}/${id}`,
      headers: { authorization: alice.authorization },
    });
    assert.equal(other.statusCode, 404, id);
    assert.equal(other.json().code, 'NOT_FOUND');
  }
  const bobList = await app.inject({ url: PREFIX, headers: { authorization: bob.authorization } });
  assert.deepEqual(
    bobList.json().deliveries.map((delivery: { id: string }) => delivery.id),
    [bobs.id],
  );

  for (const query of ['status=lost', 'limit=0', 'limit=1001', 'limit=ten', 'limit=-1']) {
    const bad = await app.inject({
      url: `${PREFIX}?${query}`,
      headers: { authorization: alice.authorization },
    });
    assert.equal(bad.statusCode, 400, query);
    assert.equal(bad.json().code, 'INVALID_OPTION', query);
  }
});

test('redeliver: a dead delivery becomes pending again and is queued for the webhooks role; 202', async (t) => {
  const backends = await openBackends(t);
  const app = await server(t, backends);
  const alice = await accountWithAuth(backends, 'alice');
  const bob = await accountWithAuth(backends, 'bob');
  const delivery = await endedCallbackJob(backends, alice.account, 'https://alice.example/hook');
  await backends.db.deliveries.recordAttempt(
    delivery.id,
    { attempt: 1, startedAt: new Date(), durationMs: 3, httpStatus: 410, error: 'Gone' },
    { status: 'dead' },
  );
  const queuedBefore = await backends.queue.counts(WEBHOOKS_QUEUE);

  const refused = await app.inject({
    method: 'POST',
    url: `${PREFIX}/${delivery.id}/redeliver`,
    headers: { authorization: bob.authorization },
  });
  assert.equal(refused.statusCode, 404);
  assert.equal(
    (await backends.db.deliveries.get(delivery.id))?.status,
    'dead',
    "another key's re-send changes nothing",
  );

  const before = Date.now();
  const response = await app.inject({
    method: 'POST',
    url: `${PREFIX}/${delivery.id}/redeliver`,
    headers: { authorization: alice.authorization },
  });
  assert.equal(response.statusCode, 202, response.body);
  const body = response.json();
  assert.equal(body.id, delivery.id);
  assert.equal(body.status, 'pending');
  assert.equal(body.attempts, 1, 'earlier attempts are kept');
  assert.equal(body.history.length, 1);
  assert.ok(
    Date.parse(body.next_attempt_at) <= Date.now() + 1000 &&
      Date.parse(body.next_attempt_at) >= before - 1000,
  );

  const stored = await backends.db.deliveries.get(delivery.id);
  assert.equal(stored?.status, 'pending');
  const queuedAfter = await backends.queue.counts(WEBHOOKS_QUEUE);
  assert.ok(
    queuedAfter.waiting + queuedAfter.delayed > queuedBefore.waiting + queuedBefore.delayed,
    `a webhooks job was queued: ${JSON.stringify({ queuedBefore, queuedAfter })}`,
  );

  const unknown = await app.inject({
    method: 'POST',
    url: `${PREFIX}/${'0'.repeat(32)}/redeliver`,
    headers: { authorization: alice.authorization },
  });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().code, 'NOT_FOUND');
});
