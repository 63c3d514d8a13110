/**
 * Any failure of a Kraken request as Kraken's error answer (B1.6): always a JSON object with
 * `success: false` and `message` (kraken-node never rejects on HTTP errors; callers see failures
 * only through `success: false`), plus Squish's stable `code`, with the status of that code.
 */
import {
  ERROR_CODES,
  type ErrorCode,
  type ErrorReport,
  isSquishError,
  isStorageFull,
} from '../../errors/index.js';

export interface KrakenErrorBody {
  success: false;
  message: string;
  code: ErrorCode;
}

export interface KrakenErrorAnswer {
  status: number;
  body: KrakenErrorBody;
}

/** Kraken's own words for the errors its clients and plugins know (B1.6). */
export const KRAKEN_MESSAGES = {
  invalidJson: 'Incoming request body does not contain a valid JSON object',
  unknownKey: 'Unknown API Key. Please check your API key and try again',
  suspended: 'Your account has been temporarily suspended',
  deliveryMode: 'You need to specify either callback_url or wait flag',
  unexpected: 'Squish has encountered an unexpected error and cannot fulfill your request',
} as const;

/** Kraken's 413 message, naming the limit in bytes and in MB as Kraken does. */
export function fileTooLargeMessage(maxBytes: number): string {
  const exact = maxBytes / (1024 * 1024);
  const mb = exact >= 1 ? Math.round(exact * 10) / 10 : Math.round(exact * 100) / 100;
  return `File size too large. The maximum file size is ${maxBytes} bytes (${mb} MB)`;
}

/** Codes whose message Kraken's clients know word for word; the others keep Squish's message. */
const FIXED_MESSAGES: Partial<Record<ErrorCode, string>> = {
  UNAUTHORIZED: KRAKEN_MESSAGES.unknownKey,
  ACCOUNT_SUSPENDED: KRAKEN_MESSAGES.suspended,
  DELIVERY_MODE_REQUIRED: KRAKEN_MESSAGES.deliveryMode,
};

/** The answer to a Squish error report (from a thrown error or a failed job). */
export function krakenErrorFromReport(report: ErrorReport): KrakenErrorAnswer {
  const known = report.code in ERROR_CODES;
  const code: ErrorCode = known ? report.code : 'INTERNAL';
  const message = FIXED_MESSAGES[code] ?? (known ? report.message : KRAKEN_MESSAGES.unexpected);
  return { status: ERROR_CODES[code].status, body: { success: false, message, code } };
}

/** Error codes of Fastify and @fastify/multipart that come from what the client sent. */
const FRAMEWORK_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_REQ_FILE_TOO_LARGE: 'INPUT_TOO_LARGE',
  FST_PARTS_LIMIT: 'INVALID_REQUEST',
  FST_FILES_LIMIT: 'INVALID_REQUEST',
  FST_FIELDS_LIMIT: 'INVALID_REQUEST',
  FST_PROTO_VIOLATION: 'INVALID_REQUEST',
  FST_INVALID_JSON_FIELD_ERROR: 'INVALID_REQUEST',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'INVALID_REQUEST',
  FST_MP_PREMATURE_CLOSE: 'INVALID_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_REQUEST',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'INVALID_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_REQUEST',
};

/**
 * The answer to anything thrown while handling a Kraken request.
 * @param maxUploadBytes the upload limit, named in the 413 message.
 */
export function krakenErrorFromThrown(error: unknown, maxUploadBytes: number): KrakenErrorAnswer {
  if (isSquishError(error)) {
    if (error.code === 'INPUT_TOO_LARGE') return tooLarge(maxUploadBytes);
    return krakenErrorFromReport(error.toReport());
  }
  const frameworkCode = (error as { code?: unknown } | null)?.code;
  const mapped = typeof frameworkCode === 'string' ? FRAMEWORK_CODES[frameworkCode] : undefined;
  if (mapped === 'INPUT_TOO_LARGE') return tooLarge(maxUploadBytes);
  if (frameworkCode === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    // A JSON or form body (options only) over the server's body limit: not an image upload.
    return krakenErrorFromReport({ code: 'INPUT_TOO_LARGE', message: 'The request body is too large.' });
  }
  if (frameworkCode === 'FST_ERR_CTP_EMPTY_JSON_BODY' || frameworkCode === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return krakenErrorFromReport({ code: 'INVALID_REQUEST', message: KRAKEN_MESSAGES.invalidJson });
  }
  if (mapped) return invalidRequest(error);
  // Malformed multipart (busboy) and other client errors carry a 4xx status but no code we know.
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return invalidRequest(error);
  // The upload could not be stored, or its job recorded: the disk is full (the cause goes to the log).
  if (isStorageFull(error)) {
    return krakenErrorFromReport({ code: 'STORAGE_FULL', message: ERROR_CODES.STORAGE_FULL.message });
  }
  return krakenErrorFromReport({ code: 'INTERNAL', message: KRAKEN_MESSAGES.unexpected });
}

function tooLarge(maxUploadBytes: number): KrakenErrorAnswer {
  return krakenErrorFromReport({ code: 'INPUT_TOO_LARGE', message: fileTooLargeMessage(maxUploadBytes) });
}

function invalidRequest(error: unknown): KrakenErrorAnswer {
  const detail = error instanceof Error ? error.message : String(error);
  return krakenErrorFromReport({
    code: 'INVALID_REQUEST',
    message: `The request body could not be read (${detail}).`,
  });
}
