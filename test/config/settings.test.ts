import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConfigError, loadConfig, renderSettingsTable } from '../../src/config/index.js';
import { availableMemory } from '../../src/config/settings.js';

test('defaults: port 8080 on 127.0.0.1, ./data, every role, SQLite under the data folder', () => {
  const config = loadConfig({});
  assert.equal(config.port, 8080);
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.dataDir, './data');
  assert.deepEqual(config.roles, ['api', 'worker', 'webhooks', 'janitor']);
  assert.equal(config.databaseUrl, 'sqlite:./data/squish.db');
  assert.equal(config.publicUrl, 'http://127.0.0.1:8080');
  assert.equal(config.resultTtlSeconds, 3600);
  assert.equal(config.allowPrivateNetworks, false);
  assert.ok(Object.isFrozen(config));
});

test('a flag wins over its environment variable, which wins over the default', () => {
  const env = { SQUISH_PORT: '9000', SQUISH_DATA_DIR: '/srv/squish', SQUISH_ALLOW_PRIVATE_NETWORKS: '1' };
  const config = loadConfig(env, { port: '9100', roles: 'api,worker' });
  assert.equal(config.port, 9100);
  assert.equal(config.dataDir, '/srv/squish');
  assert.equal(config.databaseUrl, 'sqlite:/srv/squish/squish.db');
  assert.equal(config.publicUrl, 'http://127.0.0.1:9100');
  assert.deepEqual(config.roles, ['api', 'worker']);
  assert.equal(config.allowPrivateNetworks, true);
});

test('an empty or non-decimal number is refused, not read as 0 or by exponent', () => {
  for (const raw of ['', ' ', '8e3', '0x50', '80.5']) {
    assert.throws(() => loadConfig({ SQUISH_PORT: raw }), /SQUISH_PORT: expected an integer from 0 to 65535/);
  }
  assert.equal(loadConfig({ SQUISH_PORT: ' 8081 ' }).port, 8081);
});

test('the public URL loses its trailing slash; a wildcard host still gives a reachable default URL', () => {
  assert.equal(
    loadConfig({ SQUISH_PUBLIC_URL: 'https://img.example.com/' }).publicUrl,
    'https://img.example.com',
  );
  assert.equal(loadConfig({ SQUISH_HOST: '0.0.0.0' }).publicUrl, 'http://127.0.0.1:8080');
});

test('every wrong setting is reported at once, each naming its variable or flag', () => {
  assert.throws(
    () =>
      loadConfig(
        { SQUISH_PORT: 'eighty', SQUISH_ROLES: 'api,cooking', SQUISH_PUBLIC_URL: 'ftp://x' },
        { 'log-level': 'loud' },
      ),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(
        error.problems.map((problem) => problem.split(':')[0]),
        ['SQUISH_PORT', 'SQUISH_PUBLIC_URL', 'SQUISH_ROLES', '--log-level'],
      );
      assert.match(error.message, /SQUISH_PORT: expected an integer from 0 to 65535, got "eighty"/);
      assert.match(error.message, /unknown role "cooking"/);
      return true;
    },
  );
});

test('the README configuration table is exactly the settings table', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  assert.ok(readme.includes(renderSettingsTable()), 'README.md is stale: paste renderSettingsTable() output');
});

test('a refused database URL is not echoed: it may hold a password', () => {
  assert.throws(
    () => loadConfig({ SQUISH_DATABASE_URL: 'mysql://squish:hunter2@db:3306/squish' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /SQUISH_DATABASE_URL: .*got a URL with mysql:/);
      assert.doesNotMatch(error.message, /hunter2/);
      return true;
    },
  );
});

test('available memory is a container limit when one is lower than the machine, else the machine', () => {
  const gib = 1024 ** 3;
  assert.equal(availableMemory(64 * gib, 512 * 1024 ** 2), 512 * 1024 ** 2);
  assert.equal(availableMemory(64 * gib, 0), 64 * gib, 'unknown');
  assert.equal(availableMemory(64 * gib, 2 ** 64), 64 * gib, 'unlimited');
});

test('upload memory: a quarter of the machine by default, never under two uploads at the limit, refused under one', () => {
  const defaults = loadConfig({});
  assert.equal(
    defaults.uploadMemoryBytes,
    Math.max(Math.floor(availableMemory() / 4), 2 * defaults.maxUploadBytes),
  );
  const huge = loadConfig({ SQUISH_MAX_UPLOAD_BYTES: String(1024 ** 3) });
  assert.equal(huge.uploadMemoryBytes, Math.max(Math.floor(availableMemory() / 4), 2 * 1024 ** 3));
  assert.throws(
    () =>
      loadConfig({
        SQUISH_MAX_UPLOAD_BYTES: String(64 * 1024 ** 2),
        SQUISH_UPLOAD_MEMORY_BYTES: String(32 * 1024 ** 2),
      }),
    /SQUISH_UPLOAD_MEMORY_BYTES: must be at least SQUISH_MAX_UPLOAD_BYTES \(67108864\), got 33554432/,
  );
});
