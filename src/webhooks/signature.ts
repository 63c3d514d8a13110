/**
 * Webhook signatures: how Squish signs every callback attempt and how a receiver checks one.
 *
 * Each attempt carries `Squish-Timestamp` (unix seconds) and `Squish-Signature: v1=<hex>`, the
 * HMAC-SHA256 of `<timestamp>.<body>` under the account's signing secret (the whole secret string,
 * UTF-8, is the key). During the grace period after a rotation a second `v1=<hex>` made with the
 * previous secret follows, comma-separated, so a receiver that still has either secret accepts it.
 * Signing the timestamp with the body lets receivers refuse replays of an old callback.
 *
 * This module imports nothing from the rest of Squish: users import `verifyWebhookSignature`
 * from `squish/webhooks` on its own.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The headers of every webhook attempt (as sent; HTTP header names are case-insensitive). */
export const WEBHOOK_HEADERS = {
  /** The delivery's id: the same on every attempt and redelivery, so receivers can de-duplicate. */
  deliveryId: 'Squish-Delivery-Id',
  /** 1 on the first attempt, counting on across retries and redeliveries. */
  attempt: 'Squish-Attempt',
  /** Unix seconds when the attempt was signed. */
  timestamp: 'Squish-Timestamp',
  /** `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`, and a second `v1=` during a rotation. */
  signature: 'Squish-Signature',
} as const;

/** The signing secrets of a callback: the current one and, during a rotation's grace, the previous one. */
export interface WebhookSigningSecrets {
  current: string;
  previous?: string;
}

/** Default tolerance of `verifyWebhookSignature` between the timestamp and the receiver's clock. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const SCHEME = 'v1';

/** The hex HMAC-SHA256 of `<timestamp>.<body>`. */
function digest(secret: string, timestamp: number | string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest('hex');
}

/**
 * The `Squish-Signature` value of one attempt: `v1=<hex>` for the current secret, then
 * `,v1=<hex>` for the previous one when there is one.
 */
export function signWebhook(secrets: WebhookSigningSecrets, timestamp: number, body: string): string {
  const parts = [`${SCHEME}=${digest(secrets.current, timestamp, body)}`];
  if (secrets.previous) parts.push(`${SCHEME}=${digest(secrets.previous, timestamp, body)}`);
  return parts.join(',');
}

/** Input of `verifyWebhookSignature`. */
export interface VerifyWebhookInput {
  /** Your key's signing secret (as `squish keys create` printed it). */
  secret: string;
  /** The request body exactly as received: the raw bytes or text, not a re-serialized object. */
  body: string | Uint8Array;
  /** The request headers, e.g. Node's `request.headers` (names in any case). */
  headers: Record<string, string | string[] | undefined>;
  /** Largest accepted difference between the timestamp and now, in seconds (default 300). */
  toleranceSeconds?: number;
  /** Now, in unix seconds (default: the clock). */
  now?: number;
}

/**
 * Whether a webhook request really comes from Squish with this body: its timestamp is within
 * the tolerance of now and one of its `v1=` signatures is the HMAC of `<timestamp>.<body>` under
 * `secret`. Compared in constant time. Never throws on malformed input; it answers false.
 */
export function verifyWebhookSignature(input: VerifyWebhookInput): boolean {
  const timestampText = header(input.headers, WEBHOOK_HEADERS.timestamp);
  const signatureText = header(input.headers, WEBHOOK_HEADERS.signature);
  if (!timestampText || !signatureText || !/^\d{1,12}$/.test(timestampText)) return false;
  const timestamp = Number(timestampText);
  const now = input.now ?? Math.floor(Date.now() / 1000);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!(Math.abs(now - timestamp) <= tolerance)) return false;

  const expected = Buffer.from(digest(input.secret, timestampText, input.body), 'hex');
  let matched = false;
  for (const part of signatureText.split(',')) {
    const [scheme, value] = part.trim().split('=', 2);
    if (scheme !== SCHEME || !value || !/^[0-9a-f]{64}$/i.test(value)) continue;
    // Every candidate is compared (no early return), so the time taken says nothing about which matched.
    if (timingSafeEqual(Buffer.from(value, 'hex'), expected)) matched = true;
  }
  return matched;
}

/** A header's value by case-insensitive name; repeated headers are joined as HTTP joins them. */
function header(headers: VerifyWebhookInput['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value.join(',') : value;
  }
  return undefined;
}
