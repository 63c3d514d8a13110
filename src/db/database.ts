/**
 * The data layer's contract: one object per process that the composition root opens from
 * `SQUISH_DATABASE_URL` and hands to the roles. Implemented once with Kysely; the dialect
 * (SQLite file by default, PostgreSQL when scaled out) is chosen by the URL. Every store passes
 * the conformance suite in `test/db/conformance.ts` on every dialect.
 */

import type { ErrorReport } from '../errors/index.js';
import type {
  Account,
  DeliveryStatus,
  Download,
  JobRecord,
  JobResult,
  NewCredentials,
  NewJob,
  SigningSecrets,
  UsageDay,
  WebhookAttempt,
  WebhookDelivery,
} from './records.js';

/** The times JobStore.complete recorded. */
export interface CompletedJob {
  finishedAt: Date;
  expiresAt: Date;
}

/** What one finished request costs and saved. */
export interface RequestUsage {
  bytesIn: number;
  bytesOut: number;
  savedBytes: number;
  /** Kraken's sandbox: counted in the day's usage, not against the quota. */
  dev: boolean;
}

export interface AccountStore {
  /** Creates an account with a fresh key pair; the secret is stored hashed. */
  create(input: { name: string; quotaBytes: number | null }): Promise<NewCredentials>;
  list(): Promise<Account[]>;
  getByKey(apiKey: string): Promise<Account | undefined>;
  /**
   * The account whose key and secret these are (compared in constant time), or undefined.
   * Revoked accounts never authenticate; suspended ones do, with their status.
   */
  authenticate(apiKey: string, apiSecret: string): Promise<Account | undefined>;
  /** Marks the account revoked; false when no such key. */
  revoke(apiKey: string): Promise<boolean>;
  setStatus(apiKey: string, status: 'active' | 'suspended'): Promise<boolean>;
  /**
   * Records one finished request: adds to today's usage row (UTC) and, unless `dev`, adds
   * `bytesIn` to the account's used bytes. Atomic.
   */
  recordUsage(accountId: string, usage: RequestUsage, at?: Date): Promise<void>;
  /** Usage rows of an account, oldest first, for the days in [fromDay, toDay] (YYYY-MM-DD). */
  usage(accountId: string, fromDay: string, toDay: string): Promise<UsageDay[]>;
  /** Deletes usage rows older than the day given; returns how many. */
  pruneUsage(beforeDay: string): Promise<number>;
  /** The secrets webhooks to this account are signed with. */
  signingSecrets(accountId: string): Promise<SigningSecrets | undefined>;
  /**
   * Makes a new signing secret current; the old one stays valid (callbacks carry both signatures)
   * for `graceMs`. Returns the new secret, or undefined when no such key.
   */
  rotateSigningSecret(apiKey: string, graceMs?: number): Promise<string | undefined>;
}

/**
 * Webhook deliveries and their attempts. A delivery is created by JobStore.complete/fail, in the
 * transaction that stores the outcome of a job whose delivery mode is callback (idempotent: one
 * per job), with status pending and nextAttemptAt = now.
 */
export interface DeliveryStore {
  get(id: string): Promise<WebhookDelivery | undefined>;
  forJob(jobId: string): Promise<WebhookDelivery | undefined>;
  /** Newest first, with their attempts; at most `limit`. */
  list(filter: { accountId?: string; status?: DeliveryStatus; limit: number }): Promise<WebhookDelivery[]>;
  /**
   * Records one attempt and the delivery's new state in one transaction: delivered, dead, or
   * pending with the time of the next attempt. Recording an attempt number already recorded does
   * nothing (a retried queue job), so the history holds each attempt once.
   */
  recordAttempt(
    id: string,
    attempt: WebhookAttempt,
    next: { status: 'delivered' } | { status: 'dead' } | { status: 'pending'; nextAttemptAt: Date },
  ): Promise<void>;
  /**
   * Moves the due time of a pending delivery whose next attempt is `attempt` to `until`, without
   * an attempt (the webhooks role puts back a delivery whose host is busy), so that the janitor
   * does not take it for lost. False when the delivery has moved on (attempted, delivered, dead).
   */
  postpone(id: string, attempt: number, until: Date): Promise<boolean>;
  /** Makes a delivery pending again, due at `at` (re-send by command or API). Undefined when no such delivery. */
  redeliver(id: string, at: Date): Promise<WebhookDelivery | undefined>;
  /**
   * Pending deliveries due before `dueBefore`, oldest first (at most `limit`): the janitor
   * re-enqueues them in case their queue job was lost.
   */
  overdue(dueBefore: Date, limit: number): Promise<WebhookDelivery[]>;
}

export interface JobStore {
  /** Records a new job, queued; returns it as `get` would, sparing the caller a read back. */
  create(job: NewJob): Promise<JobRecord>;
  get(id: string): Promise<JobRecord | undefined>;
  markRunning(id: string): Promise<void>;
  /**
   * Stores the result and its downloads in one transaction; idempotent for a retried job. With
   * `usage`, the request is also counted against the job's account in that same transaction,
   * and only when the job was not already done: a worker that dies after completing cannot lose
   * the usage, and a job completed twice is not counted twice. Returns the finish time and the
   * new expiry it recorded, so that the caller can tell the finished job without reading it back.
   */
  complete(id: string, result: JobResult, usage?: RequestUsage): Promise<CompletedJob>;
  fail(id: string, error: ErrorReport): Promise<void>;
  getDownload(token: string): Promise<Download | undefined>;
  /** Jobs whose expiry has passed (at most `limit`), with the blob keys they own (input and outputs). */
  expired(now: Date, limit: number): Promise<{ id: string; blobKeys: string[] }[]>;
  /** Deletes job rows and their downloads. */
  delete(ids: string[]): Promise<void>;
  /**
   * Ids of jobs still queued or running that were created before `createdBefore`, oldest first
   * (at most `limit`): the janitor asks the queue whether any of them ended without a worker
   * recording it.
   */
  unfinished(createdBefore: Date, limit: number): Promise<string[]>;
}

export interface SquishDatabase {
  readonly dialect: 'sqlite' | 'postgres';
  readonly accounts: AccountStore;
  readonly jobs: JobStore;
  readonly deliveries: DeliveryStore;
  /** Throws when the database cannot be reached (/readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type { JobResult };
