/**
 * The redirect re-check, as a pure function. A full request that is redirected from an allowed
 * server to a private address cannot be staged here without a public server: every server this
 * machine can run is itself on a private or loopback address, which the strict policy refuses
 * before the redirect. So the check each redirect target passes is tested directly, and
 * fetch-image.test.ts shows on real servers that the client runs it on every hop (refused schemes
 * and credentials in a redirect, the redirect limit).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SquishError } from '../../src/errors/index.js';
import type { OutboundPolicy } from '../../src/net/index.js';
import { isRedirectStatus, redirectTarget } from '../../src/net/redirect.js';

const strict: OutboundPolicy = { allowPrivateNetworks: false, timeoutMs: 1000, maxBytes: 1000 };
const from = new URL('https://images.example.com/a/b/photo.jpg');

function refusal(code: string) {
  return (error: unknown) => error instanceof SquishError && error.code === code;
}

describe('redirectTarget', () => {
  it('resolves relative and absolute locations against the answering URL', () => {
    assert.equal(redirectTarget(from, '../c.png', strict).href, 'https://images.example.com/a/c.png');
    assert.equal(
      redirectTarget(from, '//cdn.example.net/x.png', strict).href,
      'https://cdn.example.net/x.png',
    );
    assert.equal(redirectTarget(from, 'http://8.8.8.8/x', strict).href, 'http://8.8.8.8/x');
  });

  it('refuses a public server redirecting to loopback, metadata, private or mapped addresses', () => {
    for (const location of [
      'http://127.0.0.1/',
      'http://0x7f.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:169.254.169.254]/',
      'http://2130706433/',
      'http://10.0.0.1:6379/',
      'http://[::1]:2375/',
    ]) {
      assert.throws(() => redirectTarget(from, location, strict), refusal('URL_NOT_ALLOWED'), location);
    }
  });

  it('refuses a redirect to another scheme or with credentials', () => {
    for (const location of ['file:///etc/passwd', 'gopher://example.com/', 'https://u:p@example.com/']) {
      assert.throws(() => redirectTarget(from, location, strict), refusal('URL_NOT_ALLOWED'), location);
    }
  });

  it('fails a redirect without a Location', () => {
    assert.throws(() => redirectTarget(from, undefined, strict), refusal('FETCH_FAILED'));
    assert.throws(() => redirectTarget(from, '', strict), refusal('FETCH_FAILED'));
  });

  it('knows the redirect statuses', () => {
    assert.deepEqual([300, 301, 302, 303, 304, 307, 308].filter(isRedirectStatus), [301, 302, 303, 307, 308]);
  });
});
