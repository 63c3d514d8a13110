import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { invalidOption } from '../errors/index.js';
import { fromMs, int, intOrNull, toMs } from './columns.js';
import type { AccountStore, RequestUsage } from './database.js';
import { DEFAULT_SIGNING_GRACE_MS, newSigningSecret } from './delivery-signing-secret.js';
import type { Account, NewCredentials, SigningSecrets, UsageDay } from './records.js';
import type { AccountsTable, Tables } from './schema.js';
import { hashSecret, newApiKey, newApiSecret, secretMatches } from './secrets.js';
import { addUsage } from './usage-rows.js';

/** Accounts, key pairs and usage over Kysely (every dialect). */
export class KyselyAccountStore implements AccountStore {
  constructor(private readonly db: Kysely<Tables>) {}

  async create(input: { name: string; quotaBytes: number | null }): Promise<NewCredentials> {
    const { quotaBytes } = input;
    if (quotaBytes !== null && !(Number.isSafeInteger(quotaBytes) && quotaBytes >= 0)) {
      throw invalidOption('quota', 'a whole number of bytes (0 or more) or none', quotaBytes);
    }
    const apiSecret = newApiSecret();
    const signingSecret = newSigningSecret();
    const { salt, hash } = hashSecret(apiSecret);
    const row: Selectable<AccountsTable> = {
      id: randomUUID(),
      name: input.name,
      api_key: newApiKey(),
      secret_salt: salt,
      secret_hash: hash,
      quota_bytes: quotaBytes,
      used_bytes: 0,
      status: 'active',
      created_at: toMs(new Date()),
      signing_secret: signingSecret,
      previous_signing_secret: null,
      previous_signing_secret_until: null,
    };
    await this.db.insertInto('accounts').values(row).execute();
    return { account: toAccount(row), apiSecret, signingSecret };
  }

  /** Every account, oldest first (accounts made in the same millisecond in no particular order). */
  async list(): Promise<Account[]> {
    const rows = await this.db
      .selectFrom('accounts')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toAccount);
  }

  async getByKey(apiKey: string): Promise<Account | undefined> {
    const row = await this.row(apiKey);
    return row && toAccount(row);
  }

  async authenticate(apiKey: string, apiSecret: string): Promise<Account | undefined> {
    const row = await this.row(apiKey);
    // The hash is compared even for an unknown key, so timing tells nothing about which keys exist.
    const matches = secretMatches(row && { salt: row.secret_salt, hash: row.secret_hash }, apiSecret);
    if (!row || !matches || row.status === 'revoked') return undefined;
    return toAccount(row);
  }

  async revoke(apiKey: string): Promise<boolean> {
    const result = await this.db
      .updateTable('accounts')
      .set({ status: 'revoked' })
      .where('api_key', '=', apiKey)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Revocation is final: a revoked key is not brought back (false, as for an unknown key). */
  async setStatus(apiKey: string, status: 'active' | 'suspended'): Promise<boolean> {
    const result = await this.db
      .updateTable('accounts')
      .set({ status })
      .where('api_key', '=', apiKey)
      .where('status', '!=', 'revoked')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async recordUsage(accountId: string, usage: RequestUsage, at: Date = new Date()): Promise<void> {
    await this.db.transaction().execute((trx) => addUsage(trx, accountId, usage, at));
  }

  async usage(accountId: string, fromDay: string, toDay: string): Promise<UsageDay[]> {
    const rows = await this.db
      .selectFrom('usage_days')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('day', '>=', fromDay)
      .where('day', '<=', toDay)
      .orderBy('day')
      .execute();
    return rows.map((row) => ({
      accountId: row.account_id,
      day: row.day,
      requests: int(row.requests),
      bytesIn: int(row.bytes_in),
      bytesOut: int(row.bytes_out),
      savedBytes: int(row.saved_bytes),
    }));
  }

  async pruneUsage(beforeDay: string): Promise<number> {
    const result = await this.db.deleteFrom('usage_days').where('day', '<', beforeDay).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** The previous secret is included only while its grace period lasts. */
  async signingSecrets(accountId: string): Promise<SigningSecrets | undefined> {
    const row = await this.db
      .selectFrom('accounts')
      .select(['signing_secret', 'previous_signing_secret', 'previous_signing_secret_until'])
      .where('id', '=', accountId)
      .executeTakeFirst();
    if (!row?.signing_secret) return undefined;
    const secrets: SigningSecrets = { current: row.signing_secret };
    const until = intOrNull(row.previous_signing_secret_until);
    if (row.previous_signing_secret && until !== null && until > Date.now()) {
      secrets.previous = row.previous_signing_secret;
    }
    return secrets;
  }

  /**
   * One statement: the old secret moves to the previous slot (an UPDATE reads the row's old
   * values on both dialects), so two rotations at once cannot lose a secret half-way.
   */
  async rotateSigningSecret(apiKey: string, graceMs = DEFAULT_SIGNING_GRACE_MS): Promise<string | undefined> {
    if (!(Number.isSafeInteger(graceMs) && graceMs >= 0)) {
      throw invalidOption('grace', 'a whole number of milliseconds (0 or more)', graceMs);
    }
    const secret = newSigningSecret();
    const result = await this.db
      .updateTable('accounts')
      .set((eb) => ({
        previous_signing_secret: eb.ref('signing_secret'),
        previous_signing_secret_until: toMs(new Date()) + graceMs,
        signing_secret: secret,
      }))
      .where('api_key', '=', apiKey)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n ? secret : undefined;
  }

  private row(apiKey: string): Promise<Selectable<AccountsTable> | undefined> {
    return this.db.selectFrom('accounts').selectAll().where('api_key', '=', apiKey).executeTakeFirst();
  }
}

function toAccount(row: Selectable<AccountsTable>): Account {
  return {
    id: row.id,
    name: row.name,
    apiKey: row.api_key,
    quotaBytes: intOrNull(row.quota_bytes),
    usedBytes: int(row.used_bytes),
    status: row.status,
    createdAt: fromMs(row.created_at),
  };
}
