import type { JobRecord } from '../db/records.js';

/**
 * How a compat API answers a job it accepted, for the parts of the platform that answer later
 * (the webhook deliverer): the platform looks the responder up by `job.compat.api`.
 */
export interface CompatResponder {
  /** The value stored in `JobRecord.compat.api`, e.g. "kraken". */
  readonly api: string;
  /** The JSON body POSTed to the job's callback URL. */
  callbackBody(job: JobRecord, downloadUrl: (token: string, fileName: string) => string): unknown;
}
