/**
 * Each command loads what it runs: `--version` and `keys` neither the engine nor the server,
 * and `squish serve` on the embedded backends neither the codecs (its engine processes load
 * them) nor BullMQ and ioredis, nor undici before its first outbound request. A module hook
 * records every module each process resolves.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { startServe } from '../e2e/serve-process.js';
import { runCli } from './run-cli.js';

let dir: string;
let record: string;
let nodeOptions: string;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'squish-imports-'));
  record = path.join(dir, 'modules.txt');
  const hooks = path.join(dir, 'hooks.mjs');
  // Hooks run on a thread of their own; the pid tells the command's process from its children.
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(${JSON.stringify(record)}, process.pid + ' ' + resolved.url + '\\n');
  return resolved;
}
`,
  );
  const register = path.join(dir, 'register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  nodeOptions = `--import=${pathToFileURL(register).href}`;
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** The module URLs process `pid` resolved, then the record is emptied for the next command. */
function modulesOf(pid?: number): string[] {
  const lines = readFileSync(record, 'utf8').split('\n').filter(Boolean);
  writeFileSync(record, '');
  return lines
    .filter((line) => pid === undefined || line.startsWith(`${pid} `))
    .map((line) => line.slice(line.indexOf(' ') + 1));
}

const ENGINE = /\/src\/engine\/(codecs|pipeline|metric|optimize)|\/node_modules\/(sharp|svgo)\//;
const SERVER = /\/node_modules\/(fastify|undici)\//;
const REDIS = /\/node_modules\/(bullmq|ioredis)\//;

test('--version and keys load neither the engine nor the server', async () => {
  const env = { ...process.env, NODE_OPTIONS: nodeOptions };
  writeFileSync(record, '');
  const version = await runCli(['--version'], { cwd: dir, env });
  assert.equal(version.code, 0, version.stderr);
  const loaded = modulesOf();
  assert.ok(
    loaded.some((url) => url.includes('/src/cli/main.ts')),
    'the hook saw the CLI load',
  );
  assert.deepEqual(
    loaded.filter((url) => ENGINE.test(url) || SERVER.test(url) || REDIS.test(url)),
    [],
  );

  const keys = await runCli(['keys', 'list', '--data', path.join(dir, 'data')], { cwd: dir, env });
  assert.equal(keys.code, 0, keys.stderr);
  assert.deepEqual(
    modulesOf().filter((url) => ENGINE.test(url) || SERVER.test(url) || REDIS.test(url)),
    [],
  );
});

test('squish serve on the embedded backends loads neither the codecs, BullMQ nor, before an outbound request, undici', async () => {
  writeFileSync(record, '');
  const node = await startServe(path.join(dir, 'serve-data'), { NODE_OPTIONS: nodeOptions });
  try {
    const loaded = modulesOf(node.child.pid);
    assert.ok(
      loaded.some((url) => url.includes('/node_modules/fastify/')),
      'the hook saw the server load',
    );
    assert.deepEqual(
      loaded.filter((url) => ENGINE.test(url) || REDIS.test(url) || url.includes('/node_modules/undici/')),
      [],
    );
  } finally {
    await node.stop();
  }
});
