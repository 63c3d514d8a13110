/**
 * The network-free URL checks: schemes, credentials, and literal addresses in every spelling
 * WHATWG URL parsing accepts (decimal, octal, hex IPv4; bracketed and mapped IPv6).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSquishError } from '../../src/errors/index.js';
import { checkUrlSyntax, type OutboundPolicy } from '../../src/net/index.js';

const strict: OutboundPolicy = { allowPrivateNetworks: false, timeoutMs: 1000, maxBytes: 1000 };
const open: OutboundPolicy = { ...strict, allowPrivateNetworks: true };

function refused(url: string, policy: OutboundPolicy): boolean {
  try {
    checkUrlSyntax(url, policy);
    return false;
  } catch (error) {
    assert.ok(isSquishError(error), `${url}: ${String(error)}`);
    assert.equal(error.code, 'URL_NOT_ALLOWED', url);
    return true;
  }
}

const PRIVATE_LITERALS = [
  'http://127.0.0.1/',
  'http://127.0.0.1:8080/x.png',
  'http://2130706433/',
  'http://0x7f.1/',
  'http://0x7f000001/',
  'http://017700000001/',
  'http://0177.0.0.1/',
  'http://127.1/',
  'http://0/',
  'http://0.0.0.0/',
  'http://[::1]/',
  'http://[::]/',
  'http://[::ffff:127.0.0.1]/',
  'http://[::ffff:7f00:1]/',
  'http://[::ffff:a9fe:a9fe]/latest/meta-data/',
  'http://169.254.169.254/latest/meta-data/',
  'http://[fe80::1]/',
  'http://10.0.0.1/',
  'http://100.64.0.1/',
  'http://192.168.0.1/',
  'https://[fd00::1]:8443/',
];

describe('checkUrlSyntax', () => {
  it('refuses other schemes, even with private networks allowed', () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.com/a.png', 'gopher://example.com/', 'data:,x']) {
      assert.ok(refused(url, open), url);
    }
    assert.ok(refused('javascript:alert(1)', open));
  });

  it('refuses user names and passwords in the URL, and what is not an absolute URL', () => {
    for (const url of [
      'http://user:pass@example.com/',
      'http://user@example.com/',
      '/relative.png',
      'not a url',
      '',
    ]) {
      assert.ok(refused(url, open), url);
    }
  });

  it('refuses every spelling of a non-public literal address', () => {
    for (const url of PRIVATE_LITERALS) assert.ok(refused(url, strict), url);
  });

  it('names the normalized address in its message', () => {
    assert.throws(() => checkUrlSyntax('http://2130706433/', strict), /127\.0\.0\.1/);
  });

  it('lets public literals on any port and host names through (names are checked after DNS)', () => {
    assert.equal(checkUrlSyntax('http://8.8.8.8:8443/a.png', strict).port, '8443');
    assert.equal(
      checkUrlSyntax('https://[2606:4700:4700::1111]/a.png', strict).hostname,
      '[2606:4700:4700::1111]',
    );
    assert.equal(checkUrlSyntax('https://images.example.com:1/x.jpg', strict).hostname, 'images.example.com');
  });

  it('allowPrivateNetworks lets the private literals through', () => {
    for (const url of PRIVATE_LITERALS) assert.equal(refused(url, open), false, url);
  });
});
