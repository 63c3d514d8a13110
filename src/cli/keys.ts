/**
 * `squish keys`: creates, lists, revokes, suspends and re-activates API key pairs in the
 * embedded database of a data folder (`--data` or SQUISH_DATA_DIR). The secret is printed once,
 * at creation: only its hash is stored.
 */
import Table from 'cli-table3';
import { ConfigError, loadConfig } from '../config/index.js';
import { openDatabase, type SquishDatabase } from '../db/index.js';
import type { Account } from '../db/records.js';
import { formatBytes } from './format-units.js';
import type { CliStreams } from './optimize/run-optimize.js';

const EXIT_NOT_FOUND = 1;
const EXIT_CONFIG = 2;

/** Options every `keys` command takes. */
export interface KeysFlags {
  data?: string;
  json?: boolean;
}

async function withDatabase(
  flags: KeysFlags,
  streams: CliStreams,
  env: NodeJS.ProcessEnv,
  run: (db: SquishDatabase) => Promise<number>,
): Promise<number> {
  let databaseUrl: string;
  try {
    databaseUrl = loadConfig(env, { data: flags.data }).databaseUrl;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    streams.stderr.write(`${error.message}\n`);
    return EXIT_CONFIG;
  }
  const db = await openDatabase(databaseUrl);
  try {
    return await run(db);
  } finally {
    await db.close();
  }
}

/** `keys create [--name] [--quota BYTES] [--json]`. */
export function runKeysCreate(
  flags: KeysFlags & { name?: string; quota?: number },
  streams: CliStreams,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return withDatabase(flags, streams, env, async (db) => {
    const { account, apiSecret } = await db.accounts.create({
      name: flags.name ?? 'default',
      quotaBytes: flags.quota ?? null,
    });
    if (flags.json) {
      streams.stdout.write(`${JSON.stringify({ api_key: account.apiKey, api_secret: apiSecret })}\n`);
    } else {
      streams.stdout.write(
        [
          `Created key pair "${account.name}" (quota: ${quotaText(account)})`,
          `  api_key:    ${account.apiKey}`,
          `  api_secret: ${apiSecret}`,
          'The secret is shown only now: store it safely.',
          '',
        ].join('\n'),
      );
    }
    return 0;
  });
}

function quotaText(account: Account): string {
  return account.quotaBytes === null ? 'unlimited' : formatBytes(account.quotaBytes);
}

/** `keys list [--json]`: every account, revoked ones included (their status says so). */
export function runKeysList(
  flags: KeysFlags,
  streams: CliStreams,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return withDatabase(flags, streams, env, async (db) => {
    const accounts = await db.accounts.list();
    if (flags.json) {
      const rows = accounts.map((account) => ({
        api_key: account.apiKey,
        name: account.name,
        status: account.status,
        quota_bytes: account.quotaBytes,
        used_bytes: account.usedBytes,
        created_at: account.createdAt.toISOString(),
      }));
      streams.stdout.write(`${JSON.stringify(rows)}\n`);
      return 0;
    }
    if (accounts.length === 0) {
      streams.stdout.write('No keys yet: create one with `squish keys create`.\n');
      return 0;
    }
    const table = new Table({ head: ['api_key', 'name', 'status', 'quota', 'used', 'created'] });
    for (const account of accounts) {
      table.push([
        account.apiKey,
        account.name,
        account.status,
        quotaText(account),
        formatBytes(account.usedBytes),
        account.createdAt.toISOString().slice(0, 19).replace('T', ' '),
      ]);
    }
    streams.stdout.write(`${table.toString()}\n`);
    return 0;
  });
}

/** `keys revoke|suspend|activate <api_key>`: exit 1 when there is no such key. */
export function runKeysChange(
  action: 'revoke' | 'suspend' | 'activate',
  apiKey: string,
  flags: KeysFlags,
  streams: CliStreams,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return withDatabase(flags, streams, env, async (db) => {
    const changed =
      action === 'revoke'
        ? await db.accounts.revoke(apiKey)
        : await db.accounts.setStatus(apiKey, action === 'suspend' ? 'suspended' : 'active');
    if (!changed) {
      streams.stderr.write(`error: no key ${apiKey}\n`);
      return EXIT_NOT_FOUND;
    }
    const done = { revoke: 'revoked', suspend: 'suspended', activate: 'active again' }[action];
    streams.stdout.write(`Key ${apiKey} ${done}.\n`);
    return 0;
  });
}
