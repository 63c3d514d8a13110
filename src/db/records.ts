/**
 * The rows of Squish's data layer as the rest of the code sees them. The data layer (Kysely over
 * SQLite by default, PostgreSQL when scaled out) maps its tables onto these types; nothing above
 * it sees SQL.
 */

import type { ImageFormat } from '../engine/types.js';
import type { ErrorReport } from '../errors/index.js';
import type { OptimizePlan } from '../plan/index.js';

export type AccountStatus = 'active' | 'suspended' | 'revoked';

export interface Account {
  /** Internal id (uuid). */
  id: string;
  name: string;
  /** The public half of the key pair (32 hex). */
  apiKey: string;
  /** Bytes the account may process in all; null means unlimited. */
  quotaBytes: number | null;
  /** Input bytes processed so far (counted as Kraken counts them: the original sizes). */
  usedBytes: number;
  status: AccountStatus;
  createdAt: Date;
}

/** What `keys create` prints once: the secret is never stored in clear, so it is never shown again. */
export interface NewCredentials {
  account: Account;
  apiSecret: string;
  /**
   * The key's webhook signing secret (HMAC-SHA256 key of every callback to this account). Stored in
   * clear, since signing needs it; shown again by `keys list --show-signing-secret`, rotatable.
   */
  signingSecret: string;
}

/** The signing secrets a callback is signed with: the current one and, for a day after a rotation, the previous one. */
export interface SigningSecrets {
  current: string;
  previous?: string;
}

/** One day of one account's use (bounded: the janitor drops days past the retention). */
export interface UsageDay {
  accountId: string;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  savedBytes: number;
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

/** Where a job's input comes from. */
export type JobSource = (
  | { kind: 'upload'; blobKey: string; fileName: string; size: number }
  | { kind: 'url'; url: string; fileName: string }
) & {
  /** Output files keep the source name's extension even when the format changes (Kraken `keep_extension`). */
  keepExtension?: boolean;
};

/** How the result reaches the caller. */
export type JobDelivery = { mode: 'wait' } | { mode: 'callback'; url: string };

/** One stored output of a job (a job has one, or one per image-set entry). */
export interface JobOutput {
  /** Image-set id, absent for a single output. */
  setId?: string;
  /** Unguessable download token (32 hex); the download path is /dl/<token>/<fileName>. */
  token: string;
  blobKey: string;
  fileName: string;
  format: ImageFormat;
  contentType: string;
  size: number;
  width: number;
  height: number;
  originalSize: number;
  originalWidth: number;
  originalHeight: number;
  savedBytes: number;
  /** Strong ETag of the bytes (quoted). */
  etag: string;
  /** Engine notes (frames dropped, script removed, ...). */
  notes: string[];
}

export interface JobResult {
  inputFormat: ImageFormat;
  originalSize: number;
  outputs: JobOutput[];
  /** Engine milliseconds. */
  ms: number;
}

export interface JobRecord {
  /** 32 hex, as Kraken's ids. */
  id: string;
  accountId: string;
  status: JobStatus;
  source: JobSource;
  plan: OptimizePlan;
  delivery: JobDelivery;
  /** Kraken's sandbox: processed end to end but not counted against the quota. */
  dev: boolean;
  /**
   * What the compat layer that accepted the job needs to answer in its own shape (which API, the
   * file-name rules, ...). Opaque below the compat layer.
   */
  compat: { api: string; data: unknown };
  result?: JobResult;
  error?: ErrorReport;
  createdAt: Date;
  finishedAt?: Date;
  /** When the job's files and row may be deleted. */
  expiresAt: Date;
}

export type NewJob = Omit<JobRecord, 'status' | 'result' | 'error' | 'createdAt' | 'finishedAt'>;

/** A download, found by its token. */
export interface Download extends JobOutput {
  jobId: string;
  expiresAt: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

/** One attempt to deliver a webhook. */
export interface WebhookAttempt {
  /** 1 for the first attempt; counts on across redeliveries. */
  attempt: number;
  startedAt: Date;
  durationMs: number;
  /** The receiver's status code, or null when none came (connection error, timeout, refused URL). */
  httpStatus: number | null;
  /** Why the attempt failed, or null when it succeeded. Never holds the callback URL's path or query. */
  error: string | null;
}

/**
 * The delivery of one callback job's result: created with the job's outcome (in the same
 * transaction), so a result never exists without its delivery. Its id is stable across attempts
 * and redeliveries and is sent with every attempt, so that receivers can de-duplicate.
 */
export interface WebhookDelivery {
  /** 32 hex. */
  id: string;
  jobId: string;
  accountId: string;
  url: string;
  status: DeliveryStatus;
  /** Attempts made so far. */
  attempts: number;
  /** When the next attempt is due (pending only). */
  nextAttemptAt?: Date;
  createdAt: Date;
  deliveredAt?: Date;
  /** The attempts, oldest first. */
  history: WebhookAttempt[];
}
