/** The Kraken.io v1 compatible API: its routes, its callback responder and the pure mappings they use. */
export {
  fileTooLargeMessage,
  KRAKEN_MESSAGES,
  type KrakenErrorAnswer,
  type KrakenErrorBody,
  krakenErrorFromReport,
  krakenErrorFromThrown,
} from './error-body.js';
export { EXTERNAL_STORES, type KrakenPlan, krakenOptionsToPlan } from './options-to-plan.js';
export { cropModeToGravity, krakenResizeInput } from './resize-options.js';
export { krakenResponder } from './responder.js';
export {
  type DownloadUrl,
  type KrakenJobAnswer,
  type KrakenOutputBody,
  type KrakenSuccessBody,
  krakenAcceptedBody,
  krakenCallbackBody,
  krakenJobAnswer,
} from './result-body.js';
export { KRAKEN_API, type KrakenRoutesOptions, krakenRoutes } from './routes.js';
export { type KrakenUserStatus, krakenUserStatus, UNLIMITED_QUOTA_BYTES } from './user-status.js';
