/**
 * The signature scheme against an independent implementation (the openssl command line), and the
 * verifier's refusals: wrong secret, changed body, stale or future timestamp, malformed headers.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { signWebhook, verifyWebhookSignature, WEBHOOK_HEADERS } from '../../src/webhooks/index.js';

const secret = `whsec_${'ab'.repeat(32)}`;
const previous = `whsec_${'cd'.repeat(32)}`;
const body = '{"id":"f00d","success":true,"kraked_url":"https://squish.example/dl/x/ünïcode.png"}';
const timestamp = 1_780_000_000;

/** HMAC-SHA256 hex by openssl, reading the message on stdin. */
function opensslHmac(key: string, message: string): string {
  const out = execFileSync('openssl', ['dgst', '-sha256', '-hmac', key], {
    input: Buffer.from(message, 'utf8'),
  });
  return out.toString().trim().split(/\s+/).at(-1)!;
}

function headersFor(signature: string, at = timestamp): Record<string, string> {
  return { 'squish-timestamp': String(at), 'squish-signature': signature, 'squish-delivery-id': 'x' };
}

describe('webhook signatures', () => {
  it('are HMAC-SHA256 of "<timestamp>.<body>" under the secret, as openssl computes it', () => {
    const expected = opensslHmac(secret, `${timestamp}.${body}`);
    assert.equal(signWebhook({ current: secret }, timestamp, body), `v1=${expected}`);
    assert.equal(
      signWebhook({ current: secret, previous }, timestamp, body),
      `v1=${expected},v1=${opensslHmac(previous, `${timestamp}.${body}`)}`,
    );
  });

  it('verify with the right secret, from text or bytes, with header names in any case', () => {
    const signature = signWebhook({ current: secret }, timestamp, body);
    const now = timestamp + 10;
    assert.equal(verifyWebhookSignature({ secret, body, headers: headersFor(signature), now }), true);
    assert.equal(
      verifyWebhookSignature({
        secret,
        body: new TextEncoder().encode(body),
        headers: headersFor(signature),
        now,
      }),
      true,
    );
    const capitalized = {
      [WEBHOOK_HEADERS.timestamp]: String(timestamp),
      [WEBHOOK_HEADERS.signature]: signature,
    };
    assert.equal(verifyWebhookSignature({ secret, body, headers: capitalized, now }), true);
  });

  it('verify with either secret during a rotation, and with neither other secret', () => {
    const signature = signWebhook({ current: secret, previous }, timestamp, body);
    const now = timestamp;
    assert.equal(verifyWebhookSignature({ secret, body, headers: headersFor(signature), now }), true);
    assert.equal(
      verifyWebhookSignature({ secret: previous, body, headers: headersFor(signature), now }),
      true,
    );
    assert.equal(
      verifyWebhookSignature({ secret: `${secret}0`, body, headers: headersFor(signature), now }),
      false,
    );
  });

  it('refuse a changed body, a changed timestamp, and timestamps outside the tolerance', () => {
    const signature = signWebhook({ current: secret }, timestamp, body);
    const verify = (input: { body?: string; at?: number; now?: number; toleranceSeconds?: number }) =>
      verifyWebhookSignature({
        secret,
        body: input.body ?? body,
        headers: headersFor(signature, input.at),
        now: input.now ?? timestamp,
        ...(input.toleranceSeconds === undefined ? {} : { toleranceSeconds: input.toleranceSeconds }),
      });
    assert.equal(verify({ body: body.replace('true', 'false') }), false);
    assert.equal(verify({ body: `${body} ` }), false);
    assert.equal(verify({ at: timestamp + 1, now: timestamp + 1 }), false, 'the timestamp is signed too');
    assert.equal(verify({ now: timestamp + 300 }), true);
    assert.equal(verify({ now: timestamp + 301 }), false, 'stale: a replay');
    assert.equal(verify({ now: timestamp - 301 }), false, 'from the future');
    assert.equal(verify({ now: timestamp + 3600, toleranceSeconds: 3600 }), true);
  });

  it('answer false, never throw, for missing or malformed headers', () => {
    const signature = signWebhook({ current: secret }, timestamp, body);
    const digest = signature.slice(3);
    const cases: Record<string, string | string[] | undefined>[] = [
      {},
      { 'squish-signature': signature },
      { 'squish-timestamp': String(timestamp) },
      { 'squish-timestamp': 'yesterday', 'squish-signature': signature },
      { 'squish-timestamp': `${timestamp}.5`, 'squish-signature': signature },
      { 'squish-timestamp': String(timestamp), 'squish-signature': digest },
      { 'squish-timestamp': String(timestamp), 'squish-signature': `v0=${digest}` },
      { 'squish-timestamp': String(timestamp), 'squish-signature': `v1=${digest.slice(2)}` },
      { 'squish-timestamp': String(timestamp), 'squish-signature': 'v1=' },
      { 'squish-timestamp': String(timestamp), 'squish-signature': undefined },
    ];
    for (const headers of cases) {
      assert.equal(
        verifyWebhookSignature({ secret, body, headers, now: timestamp }),
        false,
        JSON.stringify(headers),
      );
    }
    // A signature header repeated by a proxy is read as HTTP joins it.
    const repeated = { 'squish-timestamp': String(timestamp), 'squish-signature': ['v1=00', signature] };
    assert.equal(verifyWebhookSignature({ secret, body, headers: repeated, now: timestamp }), true);
  });
});
