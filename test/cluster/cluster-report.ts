/**
 * What the cluster run shows, computed from what the client saw (requests and their answers),
 * what the callback receiver got, nginx's access log (which node served a request) and the
 * events the run caused (kills, restarts, the Redis failover): the numbers, the verdict against
 * the issue's target, and the same as text and markdown.
 */
import type { ReceivedCallback } from './callback-receiver.js';
import type { AccessLogLine } from './nginx-harness.js';
import type { RequestRecord } from './traffic.js';

/** Something the run did or saw at a moment (a kill, a restart, a failover). */
export interface ClusterEvent {
  at: number;
  phase: string;
  what: string;
}

/** An API node killed at a moment: requests on it then may fail (and only those). */
export interface ApiKill {
  /** When the signal was sent. */
  at: number;
  /**
   * When its exit was seen: until then its listening socket may still take connections (a dying
   * process closes its sockets last), so a request sent in between was still in flight on it.
   */
  exitedAt: number;
  /** host:port as nginx names the upstream. */
  address: string;
}

export interface DownloadCheck {
  url: string;
  ok: boolean;
  reason?: string;
}

export interface ClusterInput {
  /** Start of the run (the origin of every time in the report). */
  startedAt: number;
  endedAt: number;
  phases: readonly { name: string; startedAt: number; endedAt: number }[];
  records: readonly RequestRecord[];
  callbacks: readonly ReceivedCallback[];
  accessLog: readonly AccessLogLine[];
  apiKills: readonly ApiKill[];
  events: readonly ClusterEvent[];
  downloads: ReadonlyMap<string, DownloadCheck>;
  backends: string;
  notes: readonly string[];
}

export interface FailedRequest {
  record: RequestRecord;
  reason: string;
  upstream: string;
  inFlightOnKilledApi: boolean;
}

export interface PhaseStats {
  name: string;
  seconds: number;
  sent: number;
  answered: number;
  failed: number;
  failedInFlightOnKilledApi: number;
  longestPauseMs: number;
  longestResultPauseMs: number;
}

export interface ClusterVerdict {
  sent: number;
  answered: number;
  failed: FailedRequest[];
  callbacksExpected: number;
  callbacksDelivered: number;
  callbacksMissing: string[];
  callbacksFailed: { jobId: string; reason: string }[];
  duplicateJobCallbacks: number;
  duplicateDeliveryIds: number;
  retriedDeliveries: number;
  downloadsChecked: number;
  downloadsFailed: DownloadCheck[];
  longestPauseMs: number;
  longestPauseAt: number;
  /** Largest gap between results reaching clients (wait answers and callbacks received). */
  longestResultPauseMs: number;
  longestResultPauseAt: number;
  byKind: { kind: string; sent: number; answered: number; failed: number }[];
  phases: PhaseStats[];
  problems: string[];
  passed: boolean;
}

function isResult(body: Record<string, unknown> | undefined): boolean {
  return body?.success === true && typeof body.kraked_url === 'string';
}

function reasonOf(record: RequestRecord): string {
  if (record.error) return record.error;
  const body = record.body ?? {};
  const detail = [body.code, body.message].filter(Boolean).join(' ');
  return `HTTP ${record.status}${detail ? `: ${detail}` : ''}`;
}

/** The request was answered with what its kind promises: a result, or a job id for a callback. */
function answeredWell(record: RequestRecord): boolean {
  if (record.status !== 200) return false;
  return record.kind.endsWith('-wait') ? isResult(record.body) : typeof record.body?.id === 'string';
}

/** Largest gap between consecutive moments (window edges included). */
function longestGap(moments: number[], from: number, to: number): { ms: number; at: number } {
  const sorted = [from, ...moments.filter((t) => t >= from && t <= to).sort((a, b) => a - b), to];
  let best = { ms: 0, at: from };
  for (let i = 1; i < sorted.length; i++) {
    const gap = sorted[i]! - sorted[i - 1]!;
    if (gap > best.ms) best = { ms: gap, at: sorted[i - 1]! };
  }
  return best;
}

export function judgeCluster(input: ClusterInput): ClusterVerdict {
  const upstreamOf = new Map(input.accessLog.map((line) => [line.requestId, line.upstreams.at(-1) ?? '-']));
  const failed: FailedRequest[] = [];
  const goodAnswers: number[] = [];
  for (const record of input.records) {
    if (answeredWell(record)) {
      goodAnswers.push(record.answeredAt!);
      continue;
    }
    const upstream = upstreamOf.get(record.requestId) ?? '-';
    const inFlightOnKilledApi = input.apiKills.some(
      (kill) =>
        upstream === kill.address &&
        record.sentAt <= kill.exitedAt &&
        (record.answeredAt ?? Number.POSITIVE_INFINITY) >= kill.at,
    );
    failed.push({ record, reason: reasonOf(record), upstream, inFlightOnKilledApi });
  }

  // Callbacks: one expected per accepted callback request, keyed by the job id it answered.
  const expected = input.records
    .filter((record) => record.kind.endsWith('-callback') && answeredWell(record))
    .map((record) => record.body!.id as string);
  const byJob = new Map<string, ReceivedCallback[]>();
  for (const callback of input.callbacks) {
    const id = String(callback.body.id);
    byJob.set(id, [...(byJob.get(id) ?? []), callback]);
  }
  const callbacksMissing = expected.filter((id) => !byJob.has(id));
  const callbacksFailed = expected
    .filter((id) => byJob.has(id) && !byJob.get(id)!.some((callback) => isResult(callback.body)))
    .map((id) => {
      const body = byJob.get(id)![0]!.body;
      return {
        jobId: id,
        reason: `${body.code ?? ''} ${body.message ?? JSON.stringify(body).slice(0, 120)}`.trim(),
      };
    });
  const deliveryCounts = new Map<string, number>();
  for (const callback of input.callbacks) {
    if (callback.deliveryId)
      deliveryCounts.set(callback.deliveryId, (deliveryCounts.get(callback.deliveryId) ?? 0) + 1);
  }
  const duplicateJobCallbacks = [...byJob.values()].reduce((sum, list) => sum + list.length - 1, 0);
  const duplicateDeliveryIds = [...deliveryCounts.values()].reduce((sum, count) => sum + count - 1, 0);
  const retriedDeliveries = input.callbacks.filter((callback) => Number(callback.attempt ?? '1') > 1).length;
  const downloadsFailed = [...input.downloads.values()].filter((check) => !check.ok);

  const trafficFrom = input.phases[0]?.startedAt ?? input.startedAt;
  const trafficTo = input.phases.at(-1)?.endedAt ?? input.endedAt;
  const pause = longestGap(goodAnswers, trafficFrom, trafficTo);
  const resultMoments = [
    ...input.records
      .filter((record) => record.kind.endsWith('-wait') && answeredWell(record))
      .map((record) => record.answeredAt!),
    ...input.callbacks.filter((callback) => isResult(callback.body)).map((callback) => callback.at),
  ];
  const resultPause = longestGap(resultMoments, trafficFrom, trafficTo);
  const phases = input.phases.map((phase): PhaseStats => {
    const records = input.records.filter((record) => record.phase === phase.name);
    const phaseFailed = failed.filter((failure) => failure.record.phase === phase.name);
    return {
      name: phase.name,
      seconds: (phase.endedAt - phase.startedAt) / 1000,
      sent: records.length,
      answered: records.filter(answeredWell).length,
      failed: phaseFailed.length,
      failedInFlightOnKilledApi: phaseFailed.filter((failure) => failure.inFlightOnKilledApi).length,
      longestPauseMs: longestGap(goodAnswers, phase.startedAt, phase.endedAt).ms,
      longestResultPauseMs: longestGap(resultMoments, phase.startedAt, phase.endedAt).ms,
    };
  });

  const problems: string[] = [];
  const badFailures = failed.filter((failure) => !failure.inFlightOnKilledApi);
  if (badFailures.length > 0) {
    problems.push(`${badFailures.length} request(s) failed that were not in flight on a killed API node`);
  }
  if (callbacksMissing.length > 0)
    problems.push(`${callbacksMissing.length} accepted callback job(s) never called back`);
  if (callbacksFailed.length > 0)
    problems.push(`${callbacksFailed.length} callback(s) reported a failed job`);
  if (downloadsFailed.length > 0) problems.push(`${downloadsFailed.length} result download(s) failed`);
  for (const phase of phases) {
    if (phase.answered === 0) problems.push(`phase "${phase.name}": no request answered at all`);
  }
  return {
    sent: input.records.length,
    answered: input.records.filter(answeredWell).length,
    failed,
    callbacksExpected: expected.length,
    callbacksDelivered: expected.length - callbacksMissing.length,
    callbacksMissing,
    callbacksFailed,
    duplicateJobCallbacks,
    duplicateDeliveryIds,
    retriedDeliveries,
    downloadsChecked: input.downloads.size,
    downloadsFailed,
    longestPauseMs: pause.ms,
    longestPauseAt: pause.at,
    longestResultPauseMs: resultPause.ms,
    longestResultPauseAt: resultPause.at,
    byKind: [...new Set(input.records.map((record) => record.kind))].map((kind) => {
      const records = input.records.filter((record) => record.kind === kind);
      const answered = records.filter(answeredWell).length;
      return { kind, sent: records.length, answered, failed: records.length - answered };
    }),
    phases,
    problems,
    passed: problems.length === 0,
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The report as markdown (also readable as plain text on a terminal). */
export function renderClusterReport(
  input: ClusterInput,
  verdict: ClusterVerdict,
  header: readonly string[],
): string {
  // Times count from the start of the run (services included).
  const at = (t: number) => `${((t - input.startedAt) / 1000).toFixed(1)} s`;
  const lines: string[] = [...header, ''];
  lines.push(
    `**Result: ${verdict.passed ? 'PASS' : 'FAIL'}**${verdict.passed ? '' : ` (${verdict.problems.join('; ')})`}`,
    '',
  );
  lines.push(`Backends: ${input.backends}`, '');
  lines.push('| | count |', '|---|---:|');
  lines.push(`| requests sent | ${verdict.sent} |`);
  lines.push(`| answered with a result (wait) or a job id (callback) | ${verdict.answered} |`);
  lines.push(`| failed | ${verdict.failed.length} |`);
  lines.push(
    `| failed, in flight on the killed API node | ${verdict.failed.filter((f) => f.inFlightOnKilledApi).length} |`,
  );
  lines.push(`| callbacks expected | ${verdict.callbacksExpected} |`);
  lines.push(`| callbacks delivered | ${verdict.callbacksDelivered} |`);
  lines.push(`| callbacks reporting a failed job | ${verdict.callbacksFailed.length} |`);
  lines.push(`| duplicate callbacks (same job id twice) | ${verdict.duplicateJobCallbacks} |`);
  lines.push(`| duplicate deliveries (same Squish-Delivery-Id twice) | ${verdict.duplicateDeliveryIds} |`);
  lines.push(`| deliveries received on a retry (Squish-Attempt > 1) | ${verdict.retriedDeliveries} |`);
  lines.push(
    `| results downloaded and decoded through nginx | ${verdict.downloadsChecked - verdict.downloadsFailed.length} / ${verdict.downloadsChecked} |`,
  );
  lines.push(
    `| longest pause between successful answers | ${seconds(verdict.longestPauseMs)} (from ${at(verdict.longestPauseAt)}) |`,
  );
  lines.push(
    `| longest pause between results (wait answers and callbacks received) | ${seconds(verdict.longestResultPauseMs)} (from ${at(verdict.longestResultPauseAt)}) |`,
  );
  lines.push('', '| request kind | sent | answered | failed |', '|---|---:|---:|---:|');
  for (const kind of verdict.byKind)
    lines.push(`| ${kind.kind} | ${kind.sent} | ${kind.answered} | ${kind.failed} |`);
  lines.push('');
  lines.push('Per phase (a request belongs to the phase it was sent in):', '');
  lines.push(
    '| phase | length | sent | answered | failed | of which in flight on the killed API node | longest pause (answers) | longest pause (results) |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const phase of verdict.phases) {
    lines.push(
      `| ${phase.name} | ${phase.seconds.toFixed(1)} s | ${phase.sent} | ${phase.answered} | ${phase.failed} | ${phase.failedInFlightOnKilledApi} | ${seconds(phase.longestPauseMs)} | ${seconds(phase.longestResultPauseMs)} |`,
    );
  }
  lines.push('', 'Events:', '');
  for (const event of input.events) lines.push(`- ${at(event.at)} [${event.phase}] ${event.what}`);
  if (verdict.failed.length > 0) {
    lines.push('', 'Failed requests:', '');
    lines.push(
      '| request | kind | phase | sent | answered | upstream | in flight on killed API node | reason |',
    );
    lines.push('|---|---|---|---:|---:|---|---|---|');
    for (const failure of verdict.failed) {
      const r = failure.record;
      lines.push(
        `| ${r.requestId} | ${r.kind} | ${r.phase} | ${at(r.sentAt)} | ${r.answeredAt ? at(r.answeredAt) : '-'} | ${failure.upstream} | ${failure.inFlightOnKilledApi ? 'yes' : '**no**'} | ${failure.reason.replaceAll('|', '/')} |`,
      );
    }
  }
  if (verdict.callbacksMissing.length > 0)
    lines.push('', `Callbacks never delivered (job ids): ${verdict.callbacksMissing.join(', ')}`);
  for (const failure of verdict.callbacksFailed)
    lines.push(`- callback of job ${failure.jobId} reported: ${failure.reason}`);
  for (const download of verdict.downloadsFailed.slice(0, 20))
    lines.push(`- download failed: ${download.url}: ${download.reason}`);
  if (input.notes.length > 0) {
    lines.push('', 'Notes:', '');
    for (const note of input.notes) lines.push(`- ${note}`);
  }
  return `${lines.join('\n')}\n`;
}
