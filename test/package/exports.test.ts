/**
 * What users import from the package: `squish/webhooks` (the receiver's signature check) must
 * resolve through package.json's exports to the build, with its types, and work on its own.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const root = path.resolve(import.meta.dirname, '../..');
const built = existsSync(path.join(root, 'dist/webhooks/signature.js'));

test("squish/webhooks resolves to the build's verifyWebhookSignature, with types", {
  skip: built ? false : 'dist/ is missing: run npm run build (npm test does)',
}, async () => {
  assert.ok(existsSync(path.join(root, 'dist/webhooks/signature.d.ts')), 'types are emitted');
  const secret = 'whsec_test';
  const body = '{"id":"x","success":true}';
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  const script = `
      import { verifyWebhookSignature } from 'squish/webhooks';
      const headers = { 'squish-timestamp': '${timestamp}', 'squish-signature': 'v1=${signature}' };
      const good = verifyWebhookSignature({ secret: '${secret}', body: '${body}', headers });
      const bad = verifyWebhookSignature({ secret: '${secret}', body: '${body} ', headers });
      console.log(JSON.stringify({ good, bad }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
  });
  assert.deepEqual(JSON.parse(stdout), { good: true, bad: false });
});
