/**
 * A finished job as Kraken's answer (B1.6): the same object for a `wait` response and, with the
 * job's id added, for the callback POST.
 */
import type { JobOutput, JobRecord } from '../../db/records.js';
import { SquishError } from '../../errors/index.js';
import { type KrakenErrorAnswer, type KrakenErrorBody, krakenErrorFromReport } from './error-body.js';

/** How the platform builds a download URL from a token and a file name. */
export type DownloadUrl = (token: string, fileName: string) => string;

/** One optimized output as Kraken reports it. */
export interface KrakenOutputBody {
  file_name: string;
  original_size: number;
  kraked_size: number;
  /**
   * original_size - kraked_size: 0 when the original came back (nothing could be saved), and
   * negative only when an asked-for resize or conversion made the file bigger (the truth, so
   * that clients computing a percentage do not report savings that did not happen).
   */
  saved_bytes: number;
  kraked_url: string;
  original_width: number;
  original_height: number;
  kraked_width: number;
  kraked_height: number;
}

export type KrakenSuccessBody =
  | ({ success: true } & KrakenOutputBody)
  | { success: true; results: Record<string, KrakenOutputBody> };

export type KrakenJobAnswer = { status: 200; body: KrakenSuccessBody } | KrakenErrorAnswer;

/** The answer to a job: 200 with the result, or the job's error with its status. */
export function krakenJobAnswer(job: JobRecord, downloadUrl: DownloadUrl): KrakenJobAnswer {
  if (job.status === 'failed' || !job.result) {
    const report =
      job.error ?? new SquishError('INTERNAL', `The job ended ${job.status} without a result.`).toReport();
    return krakenErrorFromReport(report);
  }
  const outputs = job.result.outputs;
  if (job.plan.outputs) {
    const results: Record<string, KrakenOutputBody> = {};
    for (const output of outputs)
      results[output.setId ?? String(outputs.indexOf(output))] = outputBody(output, downloadUrl);
    return { status: 200, body: { success: true, results } };
  }
  const first = outputs[0];
  if (!first)
    return krakenErrorFromReport({ code: 'INTERNAL', message: 'The job finished without an output.' });
  return { status: 200, body: { success: true, ...outputBody(first, downloadUrl) } };
}

/** The body POSTed to a job's callback_url: the wait answer plus the job's id (B1.6). */
export function krakenCallbackBody(
  job: JobRecord,
  downloadUrl: DownloadUrl,
): (KrakenSuccessBody | KrakenErrorBody) & { id: string } {
  return { id: job.id, ...krakenJobAnswer(job, downloadUrl).body };
}

/** The immediate answer to a request with a callback_url (200, as kraken-java requires). */
export function krakenAcceptedBody(job: Pick<JobRecord, 'id'>): { id: string } {
  return { id: job.id };
}

function outputBody(output: JobOutput, downloadUrl: DownloadUrl): KrakenOutputBody {
  return {
    file_name: output.fileName,
    original_size: output.originalSize,
    kraked_size: output.size,
    saved_bytes: output.originalSize - output.size,
    kraked_url: downloadUrl(output.token, output.fileName),
    original_width: output.originalWidth,
    original_height: output.originalHeight,
    kraked_width: output.width,
    kraked_height: output.height,
  };
}
