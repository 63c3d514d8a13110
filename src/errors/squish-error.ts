import { ERROR_CODES, type ErrorCode } from './codes.js';

/** Serializable form of a SquishError: what crosses process boundaries and reaches users. */
export interface ErrorReport {
  code: ErrorCode;
  message: string;
}

/**
 * The one error class of Squish. `message` is public (safe to show to the user who sent the image);
 * `cause` keeps the internal detail for logs.
 */
export class SquishError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ERROR_CODES[code].message, options);
    this.name = 'SquishError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
  }

  toReport(): ErrorReport {
    return { code: this.code, message: this.message };
  }

  static fromReport(report: ErrorReport): SquishError {
    return new SquishError(report.code in ERROR_CODES ? report.code : 'INTERNAL', report.message);
  }
}

export function isSquishError(error: unknown): error is SquishError {
  return error instanceof SquishError;
}

/** Formats the "Expected X for `name` but received V" message every option check uses. */
export function invalidOption(name: string, expected: string, received: unknown): SquishError {
  return new SquishError(
    'INVALID_OPTION',
    `Expected ${expected} for \`${name}\` but received ${describeReceived(received)}`,
  );
}

/**
 * The longest rendering of a received value in a message: a request is answered (and logged) with
 * the value it sent, and a 200 KB option value came back whole in the error.
 */
export const MAX_RECEIVED_CHARS = 200;

/** The value as JSON, cut after {@link MAX_RECEIVED_CHARS} characters (never inside a surrogate pair). */
function describeReceived(received: unknown): string {
  const text = JSON.stringify(received) ?? String(received);
  if (text.length <= MAX_RECEIVED_CHARS) return text;
  const highSurrogate = /[\uD800-\uDBFF]/.test(text.charAt(MAX_RECEIVED_CHARS - 1));
  const kept = text.slice(0, highSurrogate ? MAX_RECEIVED_CHARS - 1 : MAX_RECEIVED_CHARS);
  return `${kept}… (${text.length} characters)`;
}
