/**
 * The operator files in deploy/ are valid for the programs that read them (nginx -t, keepalived
 * -t, systemd-analyze verify), rendered from the files themselves, and hold the settings the
 * service's own limits need (body size, wait timeout, safe retries).
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { largestUploadRequest } from '../../src/api/upload-size.js';
import { SETTINGS } from '../../src/config/settings.js';
import {
  DEPLOY_DIR,
  deployFile,
  placeholdersDocumented,
  placeholdersUsed,
  renderDeployFile,
} from '../cluster/deploy-files.js';
import { nginxPid, startNginx, stopNginx, testNginxConfig } from '../cluster/nginx-harness.js';

const run = promisify(execFile);

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const isRoot = process.getuid?.() === 0;
const fallback = (key: string) => SETTINGS.find((setting) => setting.key === key)!.fallback as number;

function scratch(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'squish-deploy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The value of the first `name value;` directive of an nginx file. */
function directive(text: string, name: string): string {
  const match = new RegExp(`^\\s*${name}\\s+([^;]+);`, 'm').exec(text);
  assert.ok(match, `${name} is set`);
  return match[1]!.trim();
}

function nginxSize(value: string): number {
  const match = /^(\d+)([kmg]?)$/i.exec(value);
  assert.ok(match, `size ${value}`);
  return (
    Number(match[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase() as '' | 'k']!
  );
}

function nginxSeconds(value: string): number {
  const match = /^(\d+)(s|m)?$/.exec(value);
  assert.ok(match, `time ${value}`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

test('every placeholder a deploy file uses is documented in its header', () => {
  for (const file of [
    'nginx/squish.conf',
    'keepalived/keepalived-master.conf',
    'keepalived/keepalived-backup.conf',
  ]) {
    const text = deployFile(file);
    const used = placeholdersUsed(text);
    assert.ok(used.size > 0, `${file} has placeholders`);
    assert.deepEqual(
      [...used].filter((name) => !placeholdersDocumented(text).has(name)),
      [],
      file,
    );
  }
  assert.throws(() => renderDeployFile('nginx/squish.conf', { LISTEN: '80' }), /no value for @API_NODE_1@/);
});

test('nginx: limits fit the service settings, and uploads are never sent twice', () => {
  const conf = deployFile('nginx/squish.conf');
  const maxUpload = fallback('maxUploadBytes');
  const bodyLimit = nginxSize(directive(conf, 'client_max_body_size'));
  // Above the input limit (so Squish answers 413 in its own JSON), by at most 2 MiB of envelope.
  assert.ok(
    bodyLimit > maxUpload && bodyLimit <= maxUpload + 2 * 1024 ** 2,
    `client_max_body_size ${bodyLimit}`,
  );
  // The same ceiling as Squish's refusal from the headers (src/api/upload-size.ts): nginx passes
  // exactly the bodies Squish reads.
  assert.equal(bodyLimit, largestUploadRequest(maxUpload));
  assert.ok(nginxSeconds(directive(conf, 'proxy_read_timeout')) > fallback('waitTimeoutSeconds'));
  const nextUpstream = directive(conf, 'proxy_next_upstream').split(/\s+/);
  assert.deepEqual(nextUpstream, ['error', 'timeout', 'http_502', 'http_503']);
  assert.equal(directive(conf, 'proxy_request_buffering'), 'on');
  assert.match(conf, /proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
  for (const line of conf.match(/^\s*server @API_NODE_\d@.*$/gm) ?? []) {
    assert.match(line, /max_fails=\d+ fail_timeout=\d+s/, line);
  }
  assert.match(conf, /^\s*keepalive \d+;/m);
});

test('nginx accepts the rendered configuration and answers /healthz itself', {
  skip: !has('nginx'),
}, async (t) => {
  const dir = scratch(t);
  // Port 0 is not allowed by nginx: a fixed high port in the range the cluster tests avoid.
  const port = 17000 + (process.pid % 1000);
  const options = { dir, listen: `127.0.0.1:${port}`, apiNodes: ['127.0.0.1:1', '127.0.0.1:2'] as const };
  assert.match(await testNginxConfig(options), /syntax is ok/);
  await startNginx(options);
  t.after(() => stopNginx(dir));
  assert.ok(nginxPid(dir));
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(health.status, 200);
  // No API node answers: nginx says 502 rather than hanging.
  const proxied = await fetch(`http://127.0.0.1:${port}/readyz`);
  assert.equal(proxied.status, 502);
  // keepalived's check script agrees with both states.
  const script = path.join(DEPLOY_DIR, 'keepalived', 'check-nginx.sh');
  await run(script, [`http://127.0.0.1:${port}/healthz`]);
  stopNginx(dir);
  for (
    let i = 0;
    i < 50 &&
    (await fetch(`http://127.0.0.1:${port}/healthz`).then(
      () => true,
      () => false,
    ));
    i++
  ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await assert.rejects(run(script, [`http://127.0.0.1:${port}/healthz`]));
});

test('keepalived accepts both rendered configurations', {
  skip: !has('keepalived') || !isRoot ? 'needs keepalived and root (a network namespace)' : false,
}, async (t) => {
  const dir = scratch(t);
  const netns = `squish-deploy-${process.pid}`;
  // keepalived checks that the interface exists: a namespace with a veth pair gives it one.
  await run('ip', ['netns', 'add', netns]);
  t.after(() => execFileSync('ip', ['netns', 'del', netns]));
  await run('ip', ['-n', netns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
  for (const side of ['master', 'backup']) {
    const file = path.join(dir, `${side}.conf`);
    const values = {
      INTERFACE: 'eth0',
      VIRTUAL_IP: '10.99.0.100/24',
      AUTH_PASS: 'squish',
      CHECK_SCRIPT: path.join(DEPLOY_DIR, 'keepalived', 'check-nginx.sh'),
      HEALTH_URL: 'http://127.0.0.1:80/healthz',
    };
    writeFileSync(file, renderDeployFile(`keepalived/keepalived-${side}.conf`, values));
    await run('ip', ['netns', 'exec', netns, 'keepalived', '--config-test', '--log-console', '-f', file]);
    // The check can fail: a missing check script is refused.
    writeFileSync(
      file,
      renderDeployFile(`keepalived/keepalived-${side}.conf`, { ...values, CHECK_SCRIPT: '/nonexistent.sh' }),
    );
    await assert.rejects(
      run('ip', ['netns', 'exec', netns, 'keepalived', '--config-test', '--log-console', '-f', file]),
    );
  }
});

test('systemd: the unit template verifies and stops the node gracefully', {
  skip: !has('systemd-analyze'),
}, async () => {
  const unit = path.join(DEPLOY_DIR, 'systemd', 'squish@.service');
  const { stderr } = await run('systemd-analyze', ['verify', unit]);
  assert.equal(stderr.trim(), '', 'systemd-analyze verify prints no warning');
  const text = deployFile('systemd/squish@.service');
  assert.match(text, /^EnvironmentFile=\/etc\/squish\/squish\.env$/m);
  assert.match(text, /^ExecStart=.* serve --roles %i$/m);
  assert.match(text, /^Restart=on-failure$/m);
  assert.match(text, /^KillMode=mixed$/m);
  // Longer than the default shutdown timeout, so a graceful stop is never cut short.
  const stopSeconds = Number(/^TimeoutStopSec=(\d+)$/m.exec(text)?.[1]);
  assert.ok(stopSeconds > fallback('shutdownTimeoutSeconds'));
});
