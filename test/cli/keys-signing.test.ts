/**
 * `squish keys` and webhook signing secrets: `create` prints one, `list --show-signing-secret`
 * shows it again, and `rotate-signing-secret` makes a new one current while the old one stays
 * valid for the grace period. On a real SQLite file in a temp data folder.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runKeysCreate, runKeysList, runKeysRotateSigningSecret } from '../../src/cli/keys.js';
import type { CliStreams } from '../../src/cli/optimize/run-optimize.js';
import { loadConfig } from '../../src/config/index.js';
import { openDatabase } from '../../src/db/index.js';
import { captureStreams, runSquish } from '../e2e/serve-process.js';
import { runCli } from './run-cli.js';

function tempData(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'squish-keys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function run(command: (streams: CliStreams) => Promise<number>) {
  const capture = captureStreams();
  const code = await command(capture.streams);
  return { code, stdout: capture.stdout(), stderr: capture.stderr() };
}

interface ListedKey {
  api_key: string;
  signing_secret?: string | null;
  previous_signing_secret?: string | null;
}

async function storedSecrets(data: string, apiKey: string) {
  const db = await openDatabase(loadConfig({}, { data }).databaseUrl);
  try {
    const account = await db.accounts.getByKey(apiKey);
    assert.ok(account);
    return await db.accounts.signingSecrets(account.id);
  } finally {
    await db.close();
  }
}

test('keys create prints the signing secret (text and --json); list shows it only when asked', async (t) => {
  const data = tempData(t);
  // The real command once, as a user runs it.
  const spawned = await runSquish(['keys', 'create', '--json', '--data', data]);
  assert.equal(spawned.code, 0, spawned.stderr);
  const created = JSON.parse(spawned.stdout) as {
    api_key: string;
    api_secret: string;
    signing_secret: string;
  };
  assert.deepEqual(Object.keys(created), ['api_key', 'api_secret', 'signing_secret']);
  assert.ok(created.signing_secret.length >= 32, created.signing_secret);
  assert.notEqual(created.signing_secret, created.api_secret);
  assert.deepEqual(await storedSecrets(data, created.api_key), { current: created.signing_secret });

  const human = await run((streams) => runKeysCreate({ name: 'shop', data }, streams, {}));
  assert.equal(human.code, 0, human.stderr);
  const humanKey = /api_key:\s+([0-9a-f]{32})/.exec(human.stdout)?.[1];
  const humanSecret = /signing_secret:\s+(\S+)/.exec(human.stdout)?.[1];
  assert.ok(humanKey && humanSecret, human.stdout);
  assert.deepEqual(await storedSecrets(data, humanKey), { current: humanSecret });

  const plainList = await run((streams) => runKeysList({ json: true, data }, streams, {}));
  assert.ok(!plainList.stdout.includes(created.signing_secret), 'not shown unless asked');
  assert.ok(!plainList.stdout.includes('signing_secret'));

  const shown = await run((streams) =>
    runKeysList({ json: true, showSigningSecret: true, data }, streams, {}),
  );
  const rows = JSON.parse(shown.stdout) as ListedKey[];
  const row = rows.find((candidate) => candidate.api_key === created.api_key);
  assert.equal(row?.signing_secret, created.signing_secret);
  assert.equal(row?.previous_signing_secret, null);
  const table = await run((streams) => runKeysList({ showSigningSecret: true, data }, streams, {}));
  assert.ok(table.stdout.includes(humanSecret), table.stdout);
  assert.ok(!table.stdout.includes(created.api_secret), 'API secrets are never listed');
});

test('keys rotate-signing-secret: a new current secret, the old one kept for the grace; unknown key exits 1', async (t) => {
  const data = tempData(t);
  const created = await run((streams) => runKeysCreate({ json: true, data }, streams, {}));
  const { api_key: apiKey, signing_secret: original } = JSON.parse(created.stdout) as {
    api_key: string;
    signing_secret: string;
  };

  const rotated = await run((streams) =>
    runKeysRotateSigningSecret(apiKey, { json: true, graceHours: 2, data }, streams, {}),
  );
  assert.equal(rotated.code, 0, rotated.stderr);
  const { signing_secret: fresh } = JSON.parse(rotated.stdout) as { signing_secret: string };
  assert.notEqual(fresh, original);
  assert.deepEqual(await storedSecrets(data, apiKey), { current: fresh, previous: original });

  const listed = await run((streams) =>
    runKeysList({ json: true, showSigningSecret: true, data }, streams, {}),
  );
  const [row] = JSON.parse(listed.stdout) as ListedKey[];
  assert.equal(row?.signing_secret, fresh);
  assert.equal(row?.previous_signing_secret, original);

  // Without grace, the old secret stops counting at once.
  const text = await run((streams) =>
    runKeysRotateSigningSecret(apiKey, { graceHours: 0, data }, streams, {}),
  );
  assert.equal(text.code, 0, text.stderr);
  const newest = /signing_secret:\s+(\S+)/.exec(text.stdout)?.[1];
  assert.ok(newest && newest !== fresh, text.stdout);
  assert.deepEqual(await storedSecrets(data, apiKey), { current: newest });

  const missing = await run((streams) => runKeysRotateSigningSecret('f'.repeat(32), { data }, streams, {}));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no key/);

  const badGrace = await runSquish([
    'keys',
    'rotate-signing-secret',
    apiKey,
    '--grace-hours',
    'soon',
    '--data',
    data,
  ]);
  assert.equal(badGrace.code, 2, badGrace.stderr);
  assert.deepEqual(
    await storedSecrets(data, apiKey),
    { current: newest },
    'a refused command changes nothing',
  );
});

test('a data folder on a full disk stops `keys create` with a message and exit 2, not a stack trace', {
  skip: process.getuid?.() !== 0 && 'needs root to mount a small tmpfs',
}, async (t) => {
  const full = mkdtempSync(path.join(tmpdir(), 'squish-keys-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', full]);
  t.after(() => {
    execFileSync('umount', [full]);
    rmSync(full, { recursive: true, force: true });
  });
  // Fill every page the tmpfs has, so SQLite cannot create its file.
  try {
    writeFileSync(path.join(full, 'filler'), Buffer.alloc(64 * 1024));
  } catch {
    // ENOSPC once the last page is taken: what this test wants.
  }
  const run = await runCli(['keys', 'create', '--data', path.join(full, 'data')], { cwd: full });
  assert.equal(run.code, 2);
  assert.match(
    run.stderr,
    /^error: no room left on the disk; free some space or use another data folder \(--data\)\n/,
  );
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
});

test('a data folder the file system refuses stops the CLI with its message and exit 2, no stack trace', async (t) => {
  const dir = tempData(t);
  const file = path.join(dir, 'a-file');
  writeFileSync(file, 'not a folder');
  for (const args of [
    ['keys', 'create'],
    ['keys', 'list'],
  ]) {
    const run = await runCli([...args, '--data', path.join(file, 'data')], { cwd: dir });
    assert.equal(run.code, 2, args.join(' '));
    assert.equal(run.stderr, `error: ENOTDIR: not a directory, mkdir '${path.join(file, 'data')}'\n`);
  }
});

test('--data is taken before the subcommand too, and the last one given wins', async (t) => {
  const dir = tempData(t);
  const data = path.join(dir, 'data');
  const other = path.join(dir, 'other');
  const created = await runCli(['keys', '--data', data, 'create', '--json'], { cwd: dir });
  assert.equal(created.code, 0, created.stderr);
  const { api_key: apiKey } = JSON.parse(created.stdout) as { api_key: string };
  const listed = await runCli(['keys', '--data', data, 'list', '--json'], { cwd: dir });
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(
    (JSON.parse(listed.stdout) as ListedKey[]).map((key) => key.api_key),
    [apiKey],
  );
  // A later --data names another folder, with no keys.
  const own = await runCli(['keys', '--data', data, 'list', '--json', '--data', other], { cwd: dir });
  assert.equal(own.code, 0, own.stderr);
  assert.deepEqual(JSON.parse(own.stdout), []);
  const deliveries = await runCli(['webhooks', '--data', data, 'list', '--json'], { cwd: dir });
  assert.equal(deliveries.code, 0, deliveries.stderr);
  assert.equal(deliveries.stdout, '');
});
