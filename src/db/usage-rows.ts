import type { Kysely } from 'kysely';
import { utcDay } from './columns.js';
import type { RequestUsage } from './database.js';
import type { Tables } from './schema.js';

/**
 * Adds one request to the account's usage row of the day and, unless dev, to its used bytes.
 * Run inside the caller's transaction. Both are single upsert/increment statements, so
 * concurrent requests never lose an update on either dialect.
 */
export async function addUsage(
  trx: Kysely<Tables>,
  accountId: string,
  usage: RequestUsage,
  at: Date,
): Promise<void> {
  await trx
    .insertInto('usage_days')
    .values({
      account_id: accountId,
      day: utcDay(at),
      requests: 1,
      bytes_in: usage.bytesIn,
      bytes_out: usage.bytesOut,
      saved_bytes: usage.savedBytes,
    })
    .onConflict((conflict) =>
      conflict.columns(['account_id', 'day']).doUpdateSet((eb) => ({
        requests: eb('usage_days.requests', '+', eb.ref('excluded.requests')),
        bytes_in: eb('usage_days.bytes_in', '+', eb.ref('excluded.bytes_in')),
        bytes_out: eb('usage_days.bytes_out', '+', eb.ref('excluded.bytes_out')),
        saved_bytes: eb('usage_days.saved_bytes', '+', eb.ref('excluded.saved_bytes')),
      })),
    )
    .execute();
  if (!usage.dev) {
    await trx
      .updateTable('accounts')
      .set((eb) => ({ used_bytes: eb('used_bytes', '+', usage.bytesIn) }))
      .where('id', '=', accountId)
      .execute();
  }
}
