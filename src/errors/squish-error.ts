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
    `Expected ${expected} for \`${name}\` but received ${JSON.stringify(received) ?? String(received)}`,
  );
}
