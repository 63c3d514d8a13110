import { SquishError } from '../../../errors/index.js';

/**
 * Stops a job between two steps once its time is up. The orchestrator kills the process anyway at
 * the hard limit; checking here turns a slow search into a clean PROCESSING_TIMEOUT instead.
 */
export function checkDeadline(deadline: number): void {
  if (Date.now() > deadline) throw new SquishError('PROCESSING_TIMEOUT');
}
