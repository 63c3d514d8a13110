/**
 * The cluster test's verdict: a failure counts as allowed only when it was in flight on the API
 * node killed at that moment (by nginx's log), and an accepted callback job that never calls back
 * fails the run. Checked on made-up runs, since the real one takes minutes (npm run test:cluster).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReceivedCallback } from './callback-receiver.js';
import { type ClusterInput, judgeCluster, renderClusterReport } from './cluster-report.js';
import type { RequestRecord } from './traffic.js';

const KILLED = '127.0.0.1:7091';

function record(id: string, partial: Partial<RequestRecord>): RequestRecord {
  return {
    requestId: id,
    kind: 'upload-wait',
    image: 'a.jpg',
    lossy: false,
    phase: 'p',
    sentAt: 100,
    answeredAt: 200,
    ...partial,
  };
}

const result = { success: true, kraked_url: 'http://lb/dl/x/a.jpg' };

function input(
  records: RequestRecord[],
  callbacks: ReceivedCallback[],
  upstreams: Record<string, string>,
): ClusterInput {
  return {
    startedAt: 0,
    endedAt: 10_000,
    phases: [{ name: 'p', startedAt: 0, endedAt: 1000 }],
    records,
    callbacks,
    accessLog: Object.entries(upstreams).map(([requestId, upstream]) => ({
      requestId,
      status: 502,
      upstreams: [upstream],
      upstreamStatus: '502',
    })),
    apiKills: [{ at: 150, exitedAt: 155, address: KILLED }],
    events: [],
    downloads: new Map(),
    backends: 'test',
    notes: [],
  };
}

test('a failure in flight on the killed API node is allowed; one elsewhere fails the run', () => {
  const ok = record('r1', { status: 200, body: result });
  const onKilled = record('r2', { status: 502, body: {} });
  const elsewhere = record('r3', { status: 502, body: {} });
  const passing = judgeCluster(input([ok, onKilled], [], { r2: KILLED }));
  assert.equal(passing.passed, true);
  assert.equal(passing.failed[0]!.inFlightOnKilledApi, true);

  const failing = judgeCluster(input([ok, onKilled, elsewhere], [], { r2: KILLED, r3: '127.0.0.1:7092' }));
  assert.equal(failing.passed, false);
  assert.match(failing.problems.join(), /1 request\(s\) failed that were not in flight/);
  // Sent after the killed node had exited: not in flight on it, even if nginx names it.
  const late = record('r4', { status: 502, body: {}, sentAt: 160 });
  // Sent between the signal and the exit: the dying node still took it.
  const dying = record('r5', { status: 502, body: {}, sentAt: 152 });
  assert.equal(judgeCluster(input([ok, dying], [], { r5: KILLED })).passed, true);
  assert.equal(judgeCluster(input([ok, late], [], { r4: KILLED })).passed, false);
});

test('an accepted callback job must call back with a result; duplicates are counted', () => {
  const accepted = record('r1', { kind: 'url-callback', status: 200, body: { id: 'job1' } });
  const missing = judgeCluster(input([accepted], [], {}));
  assert.equal(missing.passed, false);
  assert.deepEqual(missing.callbacksMissing, ['job1']);

  const delivery = { at: 300, deliveryId: 'd1', attempt: '1', body: { id: 'job1', ...result } };
  const twice = judgeCluster(input([accepted], [delivery, { ...delivery, at: 400, attempt: '2' }], {}));
  assert.equal(twice.passed, true);
  assert.equal(twice.duplicateJobCallbacks, 1);
  assert.equal(twice.duplicateDeliveryIds, 1);
  assert.equal(twice.retriedDeliveries, 1);
  assert.match(
    renderClusterReport(input([accepted], [delivery], {}), twice, ['# t']),
    /\*\*Result: PASS\*\*/,
  );
});

test('the longest pause is the largest gap between successful answers, edges included', () => {
  const answers = [300, 400, 900].map((at, i) =>
    record(`r${i}`, { status: 200, body: result, answeredAt: at }),
  );
  const verdict = judgeCluster(input(answers, [], {}));
  assert.equal(verdict.longestPauseMs, 500);
  assert.equal(verdict.longestPauseAt, 400);
});
