import assert from 'node:assert/strict';
import { test } from 'node:test';
import { originFormTarget } from '../../src/api/origin-form.js';
import { redactDownloadToken } from '../../src/api/request-log.js';

test('absolute-form targets become their path and query', () => {
  assert.equal(originFormTarget('https://api.kraken.io/v1/url'), '/v1/url');
  assert.equal(originFormTarget('http://127.0.0.1:8080/user_status?x=1'), '/user_status?x=1');
  assert.equal(originFormTarget('HTTPS://API.KRAKEN.IO'), '/');
});

test('duplicate slashes collapse, in absolute and origin form', () => {
  assert.equal(originFormTarget('//v1/url'), '/v1/url');
  assert.equal(originFormTarget('https://api.kraken.io//v1//upload'), '/v1/upload');
  assert.equal(originFormTarget('/dl/abc/x.png?a=//b'), '/dl/abc/x.png?a=//b');
});

test('origin-form targets are kept', () => {
  assert.equal(originFormTarget('/v1/upload'), '/v1/upload');
  assert.equal(originFormTarget('/healthz?probe=lb'), '/healthz?probe=lb');
});

test('request logs never carry a download token', () => {
  assert.equal(
    redactDownloadToken('/dl/0123456789abcdef0123456789abcdef/photo.jpg'),
    '/dl/<token>/photo.jpg',
  );
  assert.equal(redactDownloadToken('/v1/upload'), '/v1/upload');
});
