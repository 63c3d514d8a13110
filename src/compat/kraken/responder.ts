import type { CompatResponder } from '../responder.js';
import { krakenCallbackBody } from './result-body.js';
import { KRAKEN_API } from './routes.js';

/**
 * How the webhook deliverer answers a Kraken job with a callback_url: the wait answer plus the
 * job's id (B1.6), `success: false` with `message` and `code` when the job failed.
 */
export const krakenResponder: CompatResponder = {
  api: KRAKEN_API,
  callbackBody: (job, downloadUrl) => krakenCallbackBody(job, downloadUrl),
};
