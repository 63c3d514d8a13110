import { randomBytes } from 'node:crypto';

/**
 * A fresh webhook signing secret: `whsec_` and 64 hex characters (256 bits of randomness). The
 * whole string, as UTF-8, is the HMAC key; the prefix only tells people which of their secrets
 * this one is.
 */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('hex')}`;
}

/** How long a rotated-out signing secret still signs callbacks beside the new one (one day). */
export const DEFAULT_SIGNING_GRACE_MS = 24 * 3_600_000;
