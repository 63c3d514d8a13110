/**
 * Uploads declared larger than any upload can be are answered 413 from their headers, before the
 * body is read; a client that asks first (`Expect: 100-continue`) is not told to send it.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { buildServer } from '../../src/api/server.js';
import {
  declaredBodyBytes,
  declaresOversizedUpload,
  largestUploadRequest,
  UPLOAD_ENVELOPE_BYTES,
} from '../../src/api/upload-size.js';
import { openBackends } from './backends.js';

const MAX_UPLOAD = 64 * 1024;
const CEILING = MAX_UPLOAD + UPLOAD_ENVELOPE_BYTES;

test('the declared length counts only as a plain Content-Length, and the ceiling leaves room for the envelope', () => {
  assert.equal(largestUploadRequest(MAX_UPLOAD), CEILING);
  assert.equal(declaredBodyBytes({ 'content-length': '1234' }), 1234);
  assert.equal(declaredBodyBytes({}), undefined);
  assert.equal(declaredBodyBytes({ 'content-length': '12e9' }), undefined);
  assert.equal(
    declaredBodyBytes({ 'content-length': '99999999', 'transfer-encoding': 'chunked' }),
    undefined,
    'a chunked body is measured as it arrives',
  );
  assert.equal(declaresOversizedUpload({ 'content-length': String(CEILING) }, MAX_UPLOAD), false);
  assert.equal(declaresOversizedUpload({ 'content-length': String(CEILING + 1) }, MAX_UPLOAD), true);
});

/**
 * Sends only the head of an upload declaring `length` bytes and reads what the server answers
 * before any body byte is sent: resolves at the first complete response, or with what came when
 * the server closed or 3 s passed.
 */
function headOnly(
  port: number,
  length: number,
  expectContinue: boolean,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        [
          'POST /v1/upload HTTP/1.1',
          'Host: squish.test',
          'Content-Type: multipart/form-data; boundary=x',
          `Content-Length: ${length}`,
          ...(expectContinue ? ['Expect: 100-continue'] : []),
          '',
          '',
        ].join('\r\n'),
      );
    });
    let text = '';
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => finish(false), 3000);
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      // A 100 Continue is interim; a final answer with its whole body ends the exchange.
      const body = /\r\ncontent-length: (\d+)\r\n[\s\S]*?\r\n\r\n([\s\S]*)$/i.exec(text);
      if (body && Buffer.byteLength(body[2]!) >= Number(body[1]))
        setTimeout(() => finish(socket.readableEnded), 100);
    });
    socket.on('end', () => finish(true));
    socket.on('error', reject);
  });
}

test('an upload declared over the ceiling is answered 413 at once, and one that asks first is not told to send', async (t) => {
  const backends = await openBackends(t, { maxUploadBytes: MAX_UPLOAD });
  const app = await buildServer({ ...backends, waitTimeoutMs: 5000 });
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;

  for (const expectContinue of [false, true]) {
    const { text, closed } = await headOnly(port, CEILING + 1, expectContinue);
    assert.match(text, /^HTTP\/1\.1 413 /, `Expect: ${expectContinue}: ${text.slice(0, 80)}`);
    assert.match(text, /"success":false/);
    assert.match(text, /"code":"INPUT_TOO_LARGE"/);
    assert.doesNotMatch(text, /100 Continue/);
    // The body was never sent: told not to, that client's connection is closed by the server.
    if (expectContinue) assert.ok(closed, 'the connection of a refused Expect request is closed');
  }

  // Within the ceiling, a client that asks is told to go on (and the body is then read as usual).
  const { text } = await headOnly(port, CEILING, true);
  assert.match(text, /^HTTP\/1\.1 100 Continue\r\n/);
});
