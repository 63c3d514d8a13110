/**
 * What the HTTP layer (the compat routes) needs from the platform, and nothing more: who is
 * calling, submit a job, wait for it, build download URLs. Implemented in `src/app` over the
 * data layer, the blob store and the queue; the compat layer never touches those directly.
 */

import type { PiecedBytes } from '../bytes/pieces.js';
import type { Account, JobDelivery, JobRecord } from '../db/records.js';
import type { OptimizePlan } from '../plan/index.js';

export interface SubmitJob {
  account: Account;
  source:
    | { kind: 'upload'; bytes: PiecedBytes; fileName: string }
    | { kind: 'url'; url: string; fileName?: string };
  plan: OptimizePlan;
  delivery: JobDelivery;
  dev: boolean;
  keepExtension?: boolean;
  /** Opaque data the compat layer wants back when it answers (see JobRecord.compat). */
  compat: { api: string; data: unknown };
}

export interface JobService {
  /** Base URL of download links, without a trailing slash. */
  readonly publicUrl: string;
  /** Largest accepted input in bytes. */
  readonly maxUploadBytes: number;
  /**
   * The account of this key pair.
   * @throws SquishError UNAUTHORIZED (unknown, revoked, wrong secret) or ACCOUNT_SUSPENDED
   */
  authenticate(apiKey: string, apiSecret: string): Promise<Account>;
  /** @throws SquishError QUOTA_EXCEEDED when a non-dev request would exceed the account's quota. */
  checkQuota(account: Account, dev: boolean): Promise<void>;
  /**
   * Stores the input, records the job and enqueues it. A URL source is checked syntactically
   * here (URL_NOT_ALLOWED) and fetched by the worker.
   * @throws SquishError INPUT_TOO_LARGE, URL_NOT_ALLOWED, UNAVAILABLE (shutting down)
   */
  submit(job: SubmitJob): Promise<JobRecord>;
  /**
   * The job once it is done or failed. Throws UNAVAILABLE after `timeoutMs` (default: the
   * configured wait timeout), when the node shuts down first, or when `clientGone` aborts (the
   * client closed the request: the job goes on, but nothing is held for the answer any longer).
   */
  waitForResult(id: string, timeoutMs?: number, clientGone?: AbortSignal): Promise<JobRecord>;
  /** The download URL of an output: `${publicUrl}/dl/<token>/<fileName>`. */
  downloadUrl(token: string, fileName: string): string;
}
