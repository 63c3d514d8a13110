/**
 * BullMQ keeps one string per failed job (its failedReason); the queue contract keeps a code and
 * a message. The reason is written as `<CODE>: <message>`, which stays readable in any BullMQ
 * dashboard, and read back into the pair.
 */
import { ERROR_CODES, isSquishError } from '../../errors/index.js';

export interface JobFailure {
  code: string;
  message: string;
}

/** The failure a thrown value stands for: a SquishError keeps its code, anything else is INTERNAL. */
export function failureOf(error: unknown): JobFailure {
  if (isSquishError(error)) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'INTERNAL', message: error.message };
  return { code: 'INTERNAL', message: String(error) };
}

/** The failedReason string for a failure. */
export function encodeFailure(failure: JobFailure): string {
  return `${failure.code}: ${failure.message}`;
}

/**
 * The failure a failedReason stands for. A reason BullMQ wrote itself (a job that stalled too
 * often, for example) has no known code in front and becomes INTERNAL with the whole text.
 */
export function decodeFailure(reason: string | undefined | null): JobFailure {
  const text = reason ?? '';
  const match = /^([A-Z][A-Z0-9_]*): ([\s\S]*)$/.exec(text);
  if (match?.[1] && Object.hasOwn(ERROR_CODES, match[1])) {
    return { code: match[1], message: match[2] ?? '' };
  }
  return { code: 'INTERNAL', message: text || 'The job failed without a reason.' };
}
