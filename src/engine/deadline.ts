import { SquishError } from '../errors/index.js';

/**
 * Stops a job between two steps once its time is up. The pool kills the process anyway at the
 * hard limit; checking here turns a slow search into a clean PROCESSING_TIMEOUT instead.
 * No deadline (undefined) means no limit.
 */
export function checkDeadline(deadline: number | undefined): void {
  if (deadline !== undefined && Date.now() > deadline) throw new SquishError('PROCESSING_TIMEOUT');
}
