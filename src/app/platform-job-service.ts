import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { JobService, SubmitJob } from '../api/job-service.js';
import { byteLengthOf } from '../bytes/pieces.js';
import type { SquishDatabase } from '../db/database.js';
import type { Account, JobRecord, JobSource } from '../db/records.js';
import { ERROR_CODES, type ErrorCode, SquishError } from '../errors/index.js';
import { OPTIMIZE_QUEUE, type QueueBackend } from '../jobs/index.js';
import { checkUrlSyntax, fileNameFromUrl, type OutboundPolicy } from '../net/index.js';
import { type BlobStore, inputBlobKey } from '../store/index.js';
import { endHandoff, offerInput, takeResult } from '../worker/input-handoff.js';

/** Attempts of one optimize job: a worker dying twice on the same job is likely the job's fault. */
const OPTIMIZE_ATTEMPTS = 3;

export interface PlatformJobServiceDeps {
  db: SquishDatabase;
  queue: QueueBackend;
  store: BlobStore;
  /** Checks URL sources before they are queued (the worker fetches them under the same policy). */
  policy: OutboundPolicy;
  publicUrl: string;
  maxUploadBytes: number;
  resultTtlMs: number;
  waitTimeoutMs: number;
  log: Logger;
}

/**
 * The platform side of the compat routes, over the data layer, the blob store and the queue.
 * One instance per node; `beginShutdown` and `abortWaits` are the graceful-shutdown levers of
 * the composition root.
 */
export class PlatformJobService implements JobService {
  readonly maxUploadBytes: number;
  readonly #deps: PlatformJobServiceDeps;
  #publicUrl: string;
  #closing = false;
  readonly #waits = new Set<AbortController>();

  constructor(deps: PlatformJobServiceDeps) {
    this.#deps = deps;
    this.#publicUrl = deps.publicUrl.replace(/\/+$/, '');
    this.maxUploadBytes = deps.maxUploadBytes;
  }

  get publicUrl(): string {
    return this.#publicUrl;
  }

  /** Sets the base of download URLs once the port is known (`--port 0` with the default public URL). */
  setPublicUrl(url: string): void {
    this.#publicUrl = url.replace(/\/+$/, '');
  }

  async authenticate(apiKey: string, apiSecret: string): Promise<Account> {
    const account = await this.#deps.db.accounts.authenticate(apiKey, apiSecret);
    if (!account) throw new SquishError('UNAUTHORIZED');
    if (account.status === 'suspended') throw new SquishError('ACCOUNT_SUSPENDED');
    if (account.status !== 'active') throw new SquishError('UNAUTHORIZED');
    return account;
  }

  async checkQuota(account: Account, dev: boolean): Promise<void> {
    // Sandbox requests are never counted, so they are never refused for the quota either.
    if (dev || account.quotaBytes === null) return;
    if (account.usedBytes >= account.quotaBytes) {
      throw new SquishError(
        'QUOTA_EXCEEDED',
        `The quota of this account is used up: ${account.usedBytes} of ${account.quotaBytes} bytes.`,
      );
    }
  }

  async submit(job: SubmitJob): Promise<JobRecord> {
    if (this.#closing) throw new SquishError('UNAVAILABLE');
    const { db, queue, store } = this.#deps;
    const id = randomBytes(16).toString('hex');
    // A wait job's upload needs no flush to stable storage: its client holds the request open
    // until the job ends, so if this node goes down first the client sees the connection fail
    // and sends the image again, and the recorded job (retried after a restart) fails cleanly
    // when a power loss took the unflushed input with it (the blob is then missing or cut
    // short: "no longer stored", or the engine refuses it). A process crash alone loses nothing:
    // the page cache outlives the process. A callback job's input is flushed: the client was
    // told the job is accepted, so it must survive anything.
    // A callback to a literal private address could never be delivered: refused now, while the
    // client can still be told, rather than accepted and then failed silently at delivery.
    if (job.delivery.mode === 'callback') checkCallbackUrl(job.delivery.url, this.#deps.policy);
    const waits = job.delivery.mode === 'wait';
    let source: JobSource;
    if (job.source.kind === 'upload') {
      const size = byteLengthOf(job.source.bytes);
      if (size > this.maxUploadBytes) {
        throw new SquishError(
          'INPUT_TOO_LARGE',
          `The input is ${size} bytes; the largest accepted is ${this.maxUploadBytes} bytes.`,
        );
      }
      const blobKey = inputBlobKey(id);
      // A wait job's client holds the request and resends if the node dies: no flush needed.
      await store.put(blobKey, job.source.bytes, { durable: !waits });
      source = { kind: 'upload', blobKey, fileName: job.source.fileName, size };
    } else {
      const url = checkUrlSyntax(job.source.url, this.#deps.policy);
      source = { kind: 'url', url: url.href, fileName: job.source.fileName ?? fileNameFromUrl(url) };
    }
    if (job.keepExtension !== undefined) source.keepExtension = job.keepExtension;
    const record = await db.jobs.create({
      id,
      accountId: job.account.id,
      source,
      plan: job.plan,
      delivery: job.delivery,
      dev: job.dev,
      compat: job.compat,
      expiresAt: new Date(Date.now() + this.#deps.resultTtlMs),
    });
    // A worker of this process takes the upload from memory (worker/input-handoff.ts); the
    // wait ends the handoff when it ends, taken or not.
    if (waits && job.source.kind === 'upload') offerInput({ record, bytes: job.source.bytes });
    try {
      await queue.enqueue(OPTIMIZE_QUEUE, id, { jobId: id }, { attempts: OPTIMIZE_ATTEMPTS });
    } catch (error) {
      endHandoff(id);
      throw error;
    }
    this.#deps.log.debug(
      {
        jobId: id,
        accountId: job.account.id,
        source: source.kind,
        delivery: job.delivery.mode,
        dev: job.dev,
      },
      'job accepted',
    );
    return record;
  }

  async waitForResult(
    id: string,
    timeoutMs = this.#deps.waitTimeoutMs,
    clientGone?: AbortSignal,
  ): Promise<JobRecord> {
    const controller = new AbortController();
    this.#waits.add(controller);
    try {
      const shutdown = new Promise<'shutdown'>((resolve) => {
        controller.signal.addEventListener('abort', () => resolve('shutdown'), { once: true });
      });
      // The client that went away needs no answer: the wait ends, and with it the handoff of the
      // input (below), which would otherwise stay in memory until the job is done.
      const gone = new Promise<'gone'>((resolve) => {
        if (clientGone?.aborted) resolve('gone');
        clientGone?.addEventListener('abort', () => resolve('gone'), { once: true });
      });
      const outcome = await Promise.race([
        this.#deps.queue.waitFor(OPTIMIZE_QUEUE, id, timeoutMs),
        shutdown,
        gone,
      ]);
      if (outcome === 'gone') {
        throw new SquishError(
          'UNAVAILABLE',
          'The request was closed before the image was processed; the job goes on without it.',
        );
      }
      if (outcome === 'shutdown') {
        throw new SquishError(
          'UNAVAILABLE',
          'The service shut down before the image was processed; the job continues on another node or after the restart.',
        );
      }
      // A worker of this process hands back the job it completed; otherwise read it.
      const record = takeResult(id) ?? (await this.#deps.db.jobs.get(id));
      if (!record) throw new SquishError('NOT_FOUND', `No job ${id}.`);
      if (record.status === 'done' || record.status === 'failed') return record;
      if (outcome?.state === 'failed') {
        // The worker could not record the failure itself (it crashed on every attempt): the
        // queue's outcome is all there is.
        const code: ErrorCode =
          outcome.error.code in ERROR_CODES ? (outcome.error.code as ErrorCode) : 'INTERNAL';
        return { ...record, status: 'failed', error: { code, message: ERROR_CODES[code].message } };
      }
      throw new SquishError(
        'UNAVAILABLE',
        `The image is still being processed after ${Math.round(timeoutMs / 1000)} s; try again later or use callback_url.`,
      );
    } finally {
      this.#waits.delete(controller);
      endHandoff(id);
    }
  }

  downloadUrl(token: string, fileName: string): string {
    return `${this.#publicUrl}/dl/${token}/${encodeURIComponent(fileName)}`;
  }

  /** Refuses new jobs from now on (UNAVAILABLE); waits already running continue. */
  beginShutdown(): void {
    this.#closing = true;
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** Answers every running wait with UNAVAILABLE (their jobs stay queued and finish later). */
  abortWaits(): void {
    for (const controller of this.#waits) controller.abort();
  }
}

/**
 * The network-free checks of a callback URL (checkUrlSyntax), with the refusal naming the URL's
 * role. Host names are judged when the callback is called, on what DNS then says.
 * @throws SquishError URL_NOT_ALLOWED
 */
function checkCallbackUrl(url: string, policy: OutboundPolicy): void {
  try {
    checkUrlSyntax(url, policy);
  } catch (error) {
    if (error instanceof SquishError && error.code === 'URL_NOT_ALLOWED') {
      throw new SquishError('URL_NOT_ALLOWED', `The callback URL cannot be used. ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}
