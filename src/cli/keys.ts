/**
 * `squish keys`: creates, lists, revokes, suspends and re-activates API key pairs in the
 * database of a data folder (`--data` or SQUISH_DATA_DIR, or SQUISH_DATABASE_URL), and rotates
 * their webhook signing secrets. The API secret is printed once, at creation: only its hash is
 * stored. The signing secret is stored in clear (signing needs it), so it can be shown again.
 */
import Table from 'cli-table3';
import { ConfigError, loadConfig, type ServeConfig } from '../config/index.js';
import { openDatabase, type SquishDatabase } from '../db/index.js';
import type { Account, SigningSecrets } from '../db/records.js';
import { formatBytes } from './format-units.js';
import type { CliStreams } from './optimize/run-optimize.js';

/** Exit status when the key (or delivery) named does not exist. */
export const EXIT_NOT_FOUND = 1;
const EXIT_CONFIG = 2;

/** Options every `keys` command takes. */
export interface KeysFlags {
  data?: string;
  json?: boolean;
}

/**
 * Loads the settings (`--data` over the SQUISH_* environment), opens the database they name, runs
 * `run` and closes the database. Exit 2 with the problems printed when the settings are invalid.
 * Shared by the `keys` and `webhooks` commands.
 */
export async function withDatabase(
  flags: Pick<KeysFlags, 'data'>,
  streams: CliStreams,
  env: NodeJS.ProcessEnv,
  run: (db: SquishDatabase, config: Readonly<ServeConfig>) => Promise<number>,
): Promise<number> {
  let config: Readonly<ServeConfig>;
  try {
    config = loadConfig(env, { data: flags.data });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    streams.stderr.write(`${error.message}\n`);
    return EXIT_CONFIG;
  }
  const db = await openDatabase(config.databaseUrl);
  try {
    return await run(db, config);
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
    const { account, apiSecret, signingSecret } = await db.accounts.create({
      name: flags.name ?? 'default',
      quotaBytes: flags.quota ?? null,
    });
    if (flags.json) {
      streams.stdout.write(
        `${JSON.stringify({ api_key: account.apiKey, api_secret: apiSecret, signing_secret: signingSecret })}\n`,
      );
    } else {
      streams.stdout.write(
        [
          `Created key pair "${account.name}" (quota: ${quotaText(account)})`,
          `  api_key:        ${account.apiKey}`,
          `  api_secret:     ${apiSecret}`,
          `  signing_secret: ${signingSecret}`,
          'The api_secret is shown only now: store it safely.',
          'Webhook receivers verify callbacks with the signing_secret (docs/webhooks.md);',
          '`squish keys list --show-signing-secret` shows it again.',
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

/**
 * `keys list [--json] [--show-signing-secret]`: every account, revoked ones included (their
 * status says so). With --show-signing-secret, the current webhook signing secret of each, and the
 * previous one while its grace period after a rotation lasts.
 */
export function runKeysList(
  flags: KeysFlags & { showSigningSecret?: boolean },
  streams: CliStreams,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return withDatabase(flags, streams, env, async (db) => {
    const accounts = await db.accounts.list();
    const secrets = flags.showSigningSecret
      ? await Promise.all(accounts.map((account) => db.accounts.signingSecrets(account.id)))
      : [];
    if (flags.json) {
      const rows = accounts.map((account, index) => ({
        api_key: account.apiKey,
        name: account.name,
        status: account.status,
        quota_bytes: account.quotaBytes,
        used_bytes: account.usedBytes,
        created_at: account.createdAt.toISOString(),
        ...(flags.showSigningSecret
          ? {
              signing_secret: secrets[index]?.current ?? null,
              previous_signing_secret: secrets[index]?.previous ?? null,
            }
          : {}),
      }));
      streams.stdout.write(`${JSON.stringify(rows)}\n`);
      return 0;
    }
    if (accounts.length === 0) {
      streams.stdout.write('No keys yet: create one with `squish keys create`.\n');
      return 0;
    }
    const head = ['api_key', 'name', 'status', 'quota', 'used', 'created'];
    if (flags.showSigningSecret) head.push('signing_secret (previous)');
    const table = new Table({ head });
    accounts.forEach((account, index) => {
      const row = [
        account.apiKey,
        account.name,
        account.status,
        quotaText(account),
        formatBytes(account.usedBytes),
        account.createdAt.toISOString().slice(0, 19).replace('T', ' '),
      ];
      if (flags.showSigningSecret) row.push(signingSecretText(secrets[index]));
      table.push(row);
    });
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

function signingSecretText(secrets: SigningSecrets | undefined): string {
  if (!secrets) return '–';
  return secrets.previous ? `${secrets.current}\n(${secrets.previous})` : secrets.current;
}

/**
 * `keys rotate-signing-secret <api_key> [--grace-hours N] [--json]`: makes a new signing secret
 * current and prints it. Callbacks carry a signature with the old secret too for the grace period
 * (the data layer's default, a day, when not given), so receivers can switch without losing any.
 * Exit 1 when there is no such key.
 */
export function runKeysRotateSigningSecret(
  apiKey: string,
  flags: KeysFlags & { graceHours?: number },
  streams: CliStreams,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return withDatabase(flags, streams, env, async (db) => {
    const graceMs = flags.graceHours === undefined ? undefined : flags.graceHours * 3_600_000;
    const secret = await db.accounts.rotateSigningSecret(apiKey, graceMs);
    if (secret === undefined) {
      streams.stderr.write(`error: no key ${apiKey}\n`);
      return EXIT_NOT_FOUND;
    }
    if (flags.json) {
      streams.stdout.write(`${JSON.stringify({ api_key: apiKey, signing_secret: secret })}\n`);
      return 0;
    }
    const grace = flags.graceHours === undefined ? 'its grace period' : `${flags.graceHours} hour(s)`;
    streams.stdout.write(
      [
        `New signing secret of ${apiKey}:`,
        `  signing_secret: ${secret}`,
        `Callbacks are signed with the previous secret too for ${grace}: update your receivers meanwhile.`,
        '',
      ].join('\n'),
    );
    return 0;
  });
}
