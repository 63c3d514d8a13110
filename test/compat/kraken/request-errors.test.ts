import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  fileTooLargeMessage,
  KRAKEN_MESSAGES,
  krakenErrorFromThrown,
} from '../../../src/compat/kraken/index.js';
import {
  MAX_URL_CHARS,
  readCredentials,
  readDelivery,
  readSourceUrl,
} from '../../../src/compat/kraken/request-options.js';
import { safeUploadFileName } from '../../../src/compat/kraken/upload-file-name.js';
import { isSquishError, SquishError } from '../../../src/errors/index.js';

function assertCode(run: () => unknown, code: string, message?: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(isSquishError(error), String(error));
    assert.equal(error.code, code);
    if (message) assert.equal(error.message, message);
    return true;
  });
}

describe('readCredentials', () => {
  test('auth.api_key and auth.api_secret', () => {
    assert.deepEqual(readCredentials({ auth: { api_key: 'k', api_secret: 's' } }), {
      apiKey: 'k',
      apiSecret: 's',
    });
  });
  test("missing or malformed auth is Kraken's 401", () => {
    for (const options of [
      {},
      { auth: 'k:s' },
      { auth: { api_key: 'k' } },
      { auth: { api_key: '', api_secret: 's' } },
      { auth: { api_key: 1, api_secret: 2 } },
    ]) {
      assertCode(() => readCredentials(options), 'UNAUTHORIZED', KRAKEN_MESSAGES.unknownKey);
    }
  });
});

describe('readDelivery', () => {
  test('wait, callback_url, and wait winning when both are sent', () => {
    assert.deepEqual(readDelivery({ wait: true }), { mode: 'wait' });
    assert.deepEqual(readDelivery({ wait: 'true' }), { mode: 'wait' });
    assert.deepEqual(readDelivery({ callback_url: 'https://example.com/cb?x=1' }), {
      mode: 'callback',
      url: 'https://example.com/cb?x=1',
    });
    assert.deepEqual(readDelivery({ wait: true, callback_url: 'https://example.com/cb' }), { mode: 'wait' });
  });
  test('a callback_url is stored parsed: no control characters reach the database', () => {
    assert.deepEqual(readDelivery({ callback_url: 'https://example.com/c\u0000b?x=\u0001' }), {
      mode: 'callback',
      url: 'https://example.com/c%00b?x=',
    });
  });
  test("neither (or wait:false without a callback) is Kraken's 422", () => {
    for (const options of [{}, { wait: false }, { callback_url: '' }]) {
      assertCode(() => readDelivery(options), 'DELIVERY_MODE_REQUIRED', KRAKEN_MESSAGES.deliveryMode);
    }
  });
  test('a callback_url that is not an http(s) URL is an invalid option', () => {
    for (const callback_url of ['ftp://example.com/cb', 'not a url', 42, 'javascript:alert(1)']) {
      assertCode(() => readDelivery({ callback_url }), 'INVALID_OPTION');
    }
  });
});

describe('readSourceUrl', () => {
  test('http(s) only; other schemes are URL_NOT_ALLOWED', () => {
    assert.equal(readSourceUrl({ url: 'https://example.com/a.jpg' }), 'https://example.com/a.jpg');
    assertCode(() => readSourceUrl({}), 'INVALID_OPTION');
    assertCode(() => readSourceUrl({ url: 'example.com/a.jpg' }), 'INVALID_OPTION');
    assertCode(() => readSourceUrl({ url: 'file:///etc/passwd' }), 'URL_NOT_ALLOWED');
    assertCode(() => readSourceUrl({ url: 'gopher://example.com/' }), 'URL_NOT_ALLOWED');
  });
  test(`URLs of more than ${MAX_URL_CHARS} characters are invalid options, url and callback_url alike`, () => {
    const at = (length: number) =>
      `https://example.com/${'a'.repeat(length - 'https://example.com/'.length)}`;
    assert.equal(readSourceUrl({ url: at(MAX_URL_CHARS) }).length, MAX_URL_CHARS);
    assertCode(() => readSourceUrl({ url: at(MAX_URL_CHARS + 1) }), 'INVALID_OPTION');
    assert.equal(readDelivery({ callback_url: at(MAX_URL_CHARS) }).mode, 'callback');
    assertCode(() => readDelivery({ callback_url: at(MAX_URL_CHARS + 1) }), 'INVALID_OPTION');
  });
});

describe('krakenErrorFromThrown', () => {
  test('a SquishError keeps its status and message, with success:false and the code', () => {
    assert.deepEqual(krakenErrorFromThrown(new SquishError('QUOTA_EXCEEDED', 'Used up.'), 1000), {
      status: 429,
      body: { success: false, message: 'Used up.', code: 'QUOTA_EXCEEDED' },
    });
  });
  test("Kraken's fixed messages for 401, 403 and 422", () => {
    assert.equal(
      krakenErrorFromThrown(new SquishError('UNAUTHORIZED'), 1).body.message,
      KRAKEN_MESSAGES.unknownKey,
    );
    assert.equal(krakenErrorFromThrown(new SquishError('ACCOUNT_SUSPENDED'), 1).status, 403);
    assert.equal(
      krakenErrorFromThrown(new SquishError('ACCOUNT_SUSPENDED'), 1).body.message,
      KRAKEN_MESSAGES.suspended,
    );
    assert.equal(krakenErrorFromThrown(new SquishError('DELIVERY_MODE_REQUIRED'), 1).status, 422);
  });
  test('too large (ours or the multipart limit) is 413 naming the limit as Kraken does', () => {
    const expected = {
      status: 413,
      body: { success: false, message: fileTooLargeMessage(33554432), code: 'INPUT_TOO_LARGE' },
    };
    assert.deepEqual(krakenErrorFromThrown(new SquishError('INPUT_TOO_LARGE'), 33554432), expected);
    const multipartLimit = Object.assign(new Error('request file too large'), {
      code: 'FST_REQ_FILE_TOO_LARGE',
      statusCode: 413,
    });
    assert.deepEqual(krakenErrorFromThrown(multipartLimit, 33554432), expected);
    assert.equal(
      fileTooLargeMessage(33554432),
      'File size too large. The maximum file size is 33554432 bytes (32 MB)',
    );
    assert.equal(
      fileTooLargeMessage(16777216),
      'File size too large. The maximum file size is 16777216 bytes (16 MB)',
    );
  });
  test('a full disk is 503 STORAGE_FULL without the path, wherever it was thrown', () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, open /srv/data/inputs/x'), {
      code: 'ENOSPC',
    });
    const expected = {
      status: 503,
      body: {
        success: false,
        message: 'The service has no room left to store images; try again later.',
        code: 'STORAGE_FULL',
      },
    };
    assert.deepEqual(krakenErrorFromThrown(full, 1), expected);
    assert.deepEqual(krakenErrorFromThrown(new Error('commit failed', { cause: full }), 1), expected);
  });
  test('malformed requests are 400; anything unexpected is 500 without internal detail', () => {
    const busboy = Object.assign(new Error('Unexpected end of form'), { statusCode: 400 });
    assert.equal(krakenErrorFromThrown(busboy, 1).status, 400);
    assert.equal(krakenErrorFromThrown(busboy, 1).body.code, 'INVALID_REQUEST');
    const emptyType = Object.assign(new Error('Unsupported Media Type'), {
      code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
      statusCode: 415,
    });
    assert.deepEqual(krakenErrorFromThrown(emptyType, 1), {
      status: 400,
      body: { success: false, message: KRAKEN_MESSAGES.invalidJson, code: 'INVALID_REQUEST' },
    });
    const crash = krakenErrorFromThrown(new TypeError('secret internals at /srv/x.ts:12'), 1);
    assert.deepEqual(crash, {
      status: 500,
      body: { success: false, message: KRAKEN_MESSAGES.unexpected, code: 'INTERNAL' },
    });
  });
});

describe('safeUploadFileName', () => {
  test('keeps ordinary names, drops paths and unsafe characters', () => {
    assert.equal(safeUploadFileName('photo.jpg'), 'photo.jpg');
    assert.equal(safeUploadFileName('C:\\Users\\me\\My Photo.JPG'), 'My_Photo.JPG');
    assert.equal(safeUploadFileName('../../etc/passwd'), 'passwd');
    assert.equal(safeUploadFileName('café crème.png'), 'cafe_creme.png');
    assert.equal(safeUploadFileName('.htaccess'), 'htaccess');
    assert.equal(safeUploadFileName(''), 'image');
    // Names in other scripts keep their extension under a stem of "image" (it was "jpg").
    assert.equal(safeUploadFileName('фото.jpg'), 'image.jpg');
    assert.equal(safeUploadFileName('照片.jpeg'), 'image.jpeg');
    assert.equal(safeUploadFileName(undefined), 'image');
    assert.equal(safeUploadFileName(`${'x'.repeat(300)}.png`).length, 200);
    assert.ok(safeUploadFileName(`${'x'.repeat(300)}.png`).endsWith('.png'));
  });
});
