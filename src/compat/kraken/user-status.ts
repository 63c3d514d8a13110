/**
 * An account as Kraken's `/user_status` answer (B1.6), in bytes as Kraken counts quotas.
 */
import type { Account } from '../../db/records.js';

export interface KrakenUserStatus {
  success: true;
  active: boolean;
  plan_name: string;
  quota_total: number;
  quota_used: number;
  quota_remaining: number;
}

/**
 * An unlimited account reports this total (2^53 - 1 bytes, about 8 PiB). Kraken has no word for
 * "unlimited", and clients do arithmetic on these fields (the WordPress plugin shows the remaining
 * quota and warns when it is low), so a number that never runs out keeps them working where
 * null or -1 would read as "exhausted".
 */
export const UNLIMITED_QUOTA_BYTES = Number.MAX_SAFE_INTEGER;

/** The user_status body of an account. */
export function krakenUserStatus(account: Account): KrakenUserStatus {
  const total = account.quotaBytes ?? UNLIMITED_QUOTA_BYTES;
  const used = account.usedBytes;
  return {
    success: true,
    active: account.status === 'active',
    plan_name: account.quotaBytes === null ? 'Squish Unlimited' : 'Squish Quota',
    quota_total: total,
    quota_used: used,
    quota_remaining: Math.max(0, total - used),
  };
}
