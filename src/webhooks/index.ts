/** The webhooks role: delivers callback results (simple first delivery; issue 5 signs and tracks it). */
export {
  type CallbackDeliveryDeps,
  type DeliveryResult,
  deliverCallback,
  RetryableDeliveryError,
} from './deliver-callback.js';
export { startWebhookDeliverer, type WebhookDelivererDeps } from './start-webhook-deliverer.js';
