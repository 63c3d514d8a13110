import type { SquishDatabase, WebhookDelivery } from '../db/index.js';
import type { QueueBackend } from '../jobs/index.js';
import { enqueueDeliveryAttempt } from '../jobs/queue-names.js';

/**
 * Sends a delivery again, now: makes it pending (whatever its state: a dead one, or a delivered
 * one the receiver lost) and wakes it for its next attempt, numbered on from its history.
 * Returns the delivery as it is now, or undefined when there is no such delivery.
 * Used by `squish webhooks redeliver ID` and the API.
 */
export async function redeliverWebhook(
  deps: { db: SquishDatabase; queue: QueueBackend },
  deliveryId: string,
): Promise<WebhookDelivery | undefined> {
  const delivery = await deps.db.deliveries.redeliver(deliveryId, new Date());
  if (!delivery) return undefined;
  // Tagged: the plain id of this attempt may still be held by the queue from an earlier schedule.
  await enqueueDeliveryAttempt(
    deps.queue,
    { deliveryId: delivery.id, attempt: delivery.attempts + 1 },
    { tag: `r${Date.now().toString(36)}` },
  );
  return delivery;
}
