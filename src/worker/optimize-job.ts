/**
 * What the worker does with one optimize job: read the input (stored upload or guarded fetch),
 * run the engine in the pool, store every output, record the result and the usage, and hand the
 * callback to the webhook deliverer.
 *
 * The queue delivers at least once, so every step may run again for the same job: a job that an
 * earlier attempt already ended only gets its callback enqueued (idempotent by id), blobs of an
 * earlier unfinished attempt are deleted before new ones are written, and `complete` replaces
 * the outputs rather than adding to them.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { SquishDatabase } from '../db/index.js';
import type { JobOutput, JobRecord } from '../db/records.js';
import type { EnginePool, EngineResult } from '../engine/index.js';
import { type ErrorReport, isSquishError, isStorageFull, SquishError } from '../errors/index.js';
import { enqueueCallback, type JobRef, type QueueBackend, type QueueJob } from '../jobs/index.js';
import { fetchImage, type OutboundPolicy } from '../net/index.js';
import { type BlobStore, resultsPrefix } from '../store/index.js';
import { type HandedInput, handBackResult, takeInput } from './input-handoff.js';
import { contentTypeOf, outputFileName, strongEtag } from './output-files.js';

export interface OptimizeJobDeps {
  db: SquishDatabase;
  queue: QueueBackend;
  store: BlobStore;
  pool: EnginePool;
  policy: OutboundPolicy;
  log: Logger;
}

/** The queue job's result. */
export interface OptimizeOutcome {
  status: 'done' | 'failed';
}

/** What a user is told when the infrastructure failed on every attempt (the detail goes to the log). */
const GAVE_UP: ErrorReport = {
  code: 'INTERNAL',
  message: 'The image could not be processed because of an internal error; please try again.',
};

/** Runs one optimize queue job. Throws only for errors worth another attempt (infrastructure). */
export async function runOptimizeJob(
  deps: OptimizeJobDeps,
  job: QueueJob<JobRef>,
  signal: AbortSignal,
): Promise<OptimizeOutcome> {
  const { db, log } = deps;
  const jobId = job.data?.jobId;
  if (typeof jobId !== 'string') {
    log.error({ queueJobId: job.id, data: job.data }, 'optimize job without a jobId; dropped');
    return { status: 'failed' };
  }
  // A wait job uploaded to this process comes with its record and bytes (input-handoff.ts).
  const handed = takeInput(jobId);
  const record = handed?.record ?? (await db.jobs.get(jobId));
  if (!record) {
    // Deleted (expired, or its account removed) before a worker got to it: nothing to do.
    log.info({ jobId }, 'optimize job has no record any more; skipped');
    return { status: 'done' };
  }
  if (record.status === 'done' || record.status === 'failed') {
    // An earlier attempt recorded the outcome and died before the end: only the callback may be missing.
    await callbackIfAsked(deps, record);
    return { status: record.status };
  }
  await db.jobs.markRunning(jobId);
  try {
    return await optimize(deps, record, signal, handed);
  } catch (thrown) {
    // Handed back (shutdown) or taken over (lost lease): the job is no longer ours to record.
    if (signal.aborted) throw thrown;
    if (isFinal(thrown)) return await recordFailure(deps, record, thrown.toReport());
    // A full disk is worth more attempts (the janitor frees space), and named when they run out.
    const storageFull = isStorageFull(thrown)
      ? new SquishError('STORAGE_FULL', undefined, { cause: thrown })
      : undefined;
    const error = storageFull ?? thrown;
    if (job.attempt >= job.maxAttempts) {
      log.error({ err: error, jobId, attempt: job.attempt }, 'optimize job failed on its last attempt');
      await recordFailure(deps, record, storageFull?.toReport() ?? GAVE_UP);
    }
    throw error;
  }
}

async function optimize(
  deps: OptimizeJobDeps,
  record: JobRecord,
  signal: AbortSignal,
  handed: HandedInput | undefined,
): Promise<OptimizeOutcome> {
  const { db, store, pool, log } = deps;
  const timer = stageTimer();
  const input = handed
    ? { bytes: handed.bytes, fileName: record.source.fileName }
    : await readInput(deps, record, signal);
  if (!input) {
    return recordFailure(deps, record, {
      code: 'INTERNAL',
      message: 'The uploaded image is no longer stored; please upload it again.',
    });
  }
  signal.throwIfAborted();
  const inputMs = timer.lap();
  const result = await pool.run(input.bytes, record.plan).catch((error: unknown) => {
    throw asEngineError(error);
  });
  const engineMs = timer.lap();
  signal.throwIfAborted();

  // Any attempt may follow an unfinished one (a handed-back run keeps its attempt number), except
  // the one that took the handoff: it is the job's first run, so nothing is stored yet.
  if (!handed) await deleteResults(store, record.id);
  const entries: (EngineResult & { id?: string })[] = result.outputs ?? [result];
  const outputs: JobOutput[] = [];
  for (const entry of entries) {
    signal.throwIfAborted();
    outputs.push(await storeOutput(store, record, input.fileName, entry));
  }
  signal.throwIfAborted();
  const storeMs = timer.lap();
  // The usage is counted in the same transaction as the completion, once per job.
  const jobResult = {
    inputFormat: result.inputFormat,
    originalSize: result.originalSize,
    outputs,
    ms: result.ms,
  };
  const completed = await db.jobs.complete(record.id, jobResult, {
    bytesIn: result.originalSize,
    bytesOut: outputs.reduce((sum, output) => sum + output.size, 0),
    savedBytes: outputs.reduce((sum, output) => sum + output.savedBytes, 0),
    // Kraken's sandbox: processed end to end, not counted against the quota.
    dev: record.dev,
  });
  // The request waiting in this process gets the job as just committed (its first and only
  // completion: the handoff is taken by the first run) instead of reading it back.
  if (handed) handBackResult({ ...record, status: 'done', result: jobResult, ...completed });
  await callbackIfAsked(deps, record);
  const recordMs = timer.lap();
  log.info(
    {
      jobId: record.id,
      ms: result.ms,
      inputFormat: result.inputFormat,
      outputs: outputs.length,
      // Where the job's time went, for an operator: waiting in the queue (from its creation to
      // this attempt), reading the input (0 when handed over in memory), the engine process (its
      // own work is `ms`; the rest is the pool's queue and the transfer), storing the outputs,
      // and recording the completion with the usage (and the callback's delivery, if asked).
      queuedMs: Math.max(0, timer.startedAt - record.createdAt.getTime()),
      inputMs,
      engineMs,
      storeMs,
      recordMs,
    },
    'optimize job done',
  );
  return { status: 'done' };
}

async function readInput(
  deps: OptimizeJobDeps,
  record: JobRecord,
  signal: AbortSignal,
): Promise<{ bytes: Uint8Array; fileName: string } | undefined> {
  const { source } = record;
  if (source.kind === 'upload') {
    const bytes = await deps.store.get(source.blobKey);
    return bytes && { bytes, fileName: source.fileName };
  }
  const fetched = await fetchImage(source.url, deps.policy, signal);
  return { bytes: fetched.bytes, fileName: source.fileName || fetched.fileName };
}

async function storeOutput(
  store: BlobStore,
  record: JobRecord,
  sourceName: string,
  entry: EngineResult & { id?: string },
): Promise<JobOutput> {
  const token = randomBytes(16).toString('hex');
  const blobKey = `${resultsPrefix(record.id)}${token}`;
  const contentType = contentTypeOf(entry.format);
  await store.put(blobKey, entry.data, { contentType });
  return {
    ...(entry.id === undefined ? {} : { setId: entry.id }),
    token,
    blobKey,
    fileName: outputFileName(sourceName, entry.format, record.source.keepExtension),
    format: entry.format,
    contentType,
    size: entry.data.byteLength,
    width: entry.width,
    height: entry.height,
    originalSize: entry.originalSize,
    originalWidth: entry.originalWidth,
    originalHeight: entry.originalHeight,
    savedBytes: entry.savedBytes,
    etag: strongEtag(entry.data),
    notes: entry.notes,
  };
}

/** Deletes what an earlier, unfinished attempt stored, so a retry leaves one set of outputs. */
async function deleteResults(store: BlobStore, jobId: string): Promise<void> {
  const keys: string[] = [];
  for await (const blob of store.list(resultsPrefix(jobId))) keys.push(blob.key);
  await Promise.all(keys.map((key) => store.delete(key)));
}

async function recordFailure(
  deps: OptimizeJobDeps,
  record: JobRecord,
  error: ErrorReport,
): Promise<OptimizeOutcome> {
  await deps.db.jobs.fail(record.id, error);
  await callbackIfAsked(deps, record);
  deps.log.info({ jobId: record.id, code: error.code }, 'optimize job failed');
  return { status: 'failed' };
}

async function callbackIfAsked(deps: OptimizeJobDeps, record: JobRecord): Promise<void> {
  if (record.delivery.mode === 'callback') await enqueueCallback(deps.queue, record.id);
}

/**
 * The engine's refusals and crashes on an image are final (it would fail the same way again); a
 * pool that is closed or could not run the job at all (INTERNAL) is the infrastructure's problem.
 */
function asEngineError(error: unknown): unknown {
  if (isSquishError(error) && error.code !== 'INTERNAL') return new FinalError(error);
  return error;
}

/** Marks an engine error as final even when its status is 5xx (CODEC_FAILED: the codec died on this image). */
class FinalError extends SquishError {
  constructor(cause: SquishError) {
    super(cause.code, cause.message, { cause });
  }
}

/** Errors that end the job at once: refusals of the input (4xx) and engine failures on the image. */
function isFinal(error: unknown): error is SquishError {
  return error instanceof FinalError || (isSquishError(error) && error.status < 500);
}

/** Milliseconds between successive calls of `lap`, from the timer's creation (rounded to 0.1 ms). */
function stageTimer(): { startedAt: number; lap(): number } {
  const startedAt = Date.now();
  let last = performance.now();
  return {
    startedAt,
    lap() {
      const now = performance.now();
      const ms = Math.round((now - last) * 10) / 10;
      last = now;
      return ms;
    },
  };
}
