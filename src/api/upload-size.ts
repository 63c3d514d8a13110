/**
 * How large an upload request may be, judged from its headers before its body is read.
 *
 * Without this, a request declaring a body far over the limit was read (up to the upload limit,
 * then drained to its end) before the 413 went out: a client sending 40 MB at 2 MB/s waited 19 s
 * for it, and a client that asked first (`Expect: 100-continue`) was told to send it all.
 */
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Room beside an image at the upload limit for the options part and the multipart framing: 1 MiB,
 * as deploy/nginx's `client_max_body_size` (the upload limit plus 1 MiB).
 */
export const UPLOAD_ENVELOPE_BYTES = 1024 * 1024;

/** The largest request body an upload can need when its image is at `maxUploadBytes`. */
export function largestUploadRequest(maxUploadBytes: number): number {
  return maxUploadBytes + UPLOAD_ENVELOPE_BYTES;
}

/**
 * The body length `headers` declare, or undefined when they declare none that can be trusted
 * (chunked, absent, or not a plain decimal number: Node itself refuses most such requests).
 */
export function declaredBodyBytes(headers: IncomingHttpHeaders): number | undefined {
  const value = headers['content-length'];
  if (value === undefined || headers['transfer-encoding'] !== undefined || !/^\d+$/.test(value)) {
    return undefined;
  }
  return Number(value);
}

/** Whether the request declares a body larger than any upload of `maxUploadBytes` needs. */
export function declaresOversizedUpload(headers: IncomingHttpHeaders, maxUploadBytes: number): boolean {
  const declared = declaredBodyBytes(headers);
  return declared !== undefined && declared > largestUploadRequest(maxUploadBytes);
}
