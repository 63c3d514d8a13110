/**
 * The tables of the data layer as Kysely sees them. Column types are the portable subset that
 * SQLite and PostgreSQL read the same way: text ids, `bigint` integers (byte counts and times in
 * epoch milliseconds), `integer` 0/1 for booleans and JSON as text. The stores convert rows to the
 * records of `records.ts`; nothing outside src/db sees these shapes.
 */

/** `accounts`: one row per key pair. */
export interface AccountsTable {
  id: string;
  name: string;
  api_key: string;
  /** Hex salt of the secret's hash. */
  secret_salt: string;
  /** Hex SHA-256 of salt + secret (see secrets.ts for why a fast hash is right here). */
  secret_hash: string;
  quota_bytes: number | null;
  used_bytes: number;
  status: 'active' | 'suspended' | 'revoked';
  created_at: number;
  /**
   * HMAC key of the account's webhooks, in clear (signing needs it). Null only in a row written
   * before migration 0002 and not yet backfilled, which the migration itself does.
   */
  signing_secret: string | null;
  /** The secret before the last rotation, still sent as a second signature until the time below. */
  previous_signing_secret: string | null;
  /** Epoch milliseconds until which `previous_signing_secret` is used. */
  previous_signing_secret_until: number | null;
}

/** `usage_days`: one row per account and UTC day; the janitor drops old days. */
export interface UsageDaysTable {
  account_id: string;
  /** YYYY-MM-DD (UTC); sorts as text. */
  day: string;
  requests: number;
  bytes_in: number;
  bytes_out: number;
  saved_bytes: number;
}

/** `jobs`: one row per accepted job; the structured parts are JSON text. */
export interface JobsTable {
  id: string;
  account_id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  source: string;
  plan: string;
  delivery: string;
  dev: number;
  compat: string;
  /** JSON of the result without its outputs (those are rows of job_outputs), or null. */
  result: string | null;
  /** JSON ErrorReport, or null. */
  error: string | null;
  created_at: number;
  finished_at: number | null;
  expires_at: number;
}

/** `job_outputs`: the stored outputs of done jobs, found by their download token. */
export interface JobOutputsTable {
  token: string;
  job_id: string;
  /** Order of the output within its job's result. */
  position: number;
  set_id: string | null;
  blob_key: string;
  file_name: string;
  format: string;
  content_type: string;
  size: number;
  width: number;
  height: number;
  original_size: number;
  original_width: number;
  original_height: number;
  saved_bytes: number;
  etag: string;
  /** JSON array of strings. */
  notes: string;
}

/** `webhook_deliveries`: one per callback job, created with the job's outcome. */
export interface WebhookDeliveriesTable {
  id: string;
  /** Unique: a job has at most one delivery, however often it completes. */
  job_id: string;
  account_id: string;
  url: string;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  /** Epoch ms the next attempt is due (pending), else null. */
  next_attempt_at: number | null;
  created_at: number;
  delivered_at: number | null;
}

/** `webhook_attempts`: the history of a delivery, one row per attempt number. */
export interface WebhookAttemptsTable {
  delivery_id: string;
  attempt: number;
  started_at: number;
  duration_ms: number;
  http_status: number | null;
  error: string | null;
}

export interface Tables {
  accounts: AccountsTable;
  usage_days: UsageDaysTable;
  jobs: JobsTable;
  job_outputs: JobOutputsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}
