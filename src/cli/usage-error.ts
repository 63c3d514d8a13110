/**
 * A mistake in how the command was called (bad argument, unreadable path, refused output folder).
 * `main` prints its message and exits with status 2, without a stack trace.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit status for bad arguments, unreadable paths and unexpected failures. */
export const EXIT_USAGE = 2;
