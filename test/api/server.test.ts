import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import sharp from 'sharp';
import { buildServer } from '../../src/api/server.js';
import { assertSamePixels } from '../helpers/pixels.js';
import { type Backends, openBackends, storedResult } from './backends.js';

const STAR_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><path d="M5 0L10 10H0z" fill="#c00"/></svg>';

async function server(backends: Backends, now?: () => Date) {
  const app = await buildServer({
    ...backends,
    waitTimeoutMs: 5000,
    isClosing: () => backends.jobs.closing,
    now,
  });
  return app;
}

test('GET /healthz answers; /readyz reports every backend, and 503 once shutting down', async (t) => {
  const backends = await openBackends(t);
  const app = await server(backends);
  t.after(() => app.close());
  assert.deepEqual((await app.inject('/healthz')).json(), { status: 'ok' });
  const ready = await app.inject('/readyz');
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(ready.json().checks, { database: 'ok', queue: 'ok', store: 'ok' });
  backends.jobs.beginShutdown();
  const draining = await app.inject('/readyz');
  assert.equal(draining.statusCode, 503);
  assert.deepEqual(draining.json().failed, ['shutting down']);
});

test('/readyz names a backend that cannot be reached', async (t) => {
  const backends = await openBackends(t);
  const app = await server(backends);
  t.after(() => app.close());
  await backends.queue.close();
  const response = await app.inject('/readyz');
  assert.equal(response.statusCode, 503);
  assert.deepEqual(response.json().failed, ['queue']);
  assert.match(response.json().checks.queue, /^error: /);
});

test('/readyz asks the checks the node adds for its other roles, and names one that fails', async (t) => {
  const backends = await openBackends(t);
  let engineUp = true;
  const app = await buildServer({
    ...backends,
    waitTimeoutMs: 5000,
    readinessChecks: [
      {
        name: 'engine',
        ping: async () => {
          if (!engineUp) throw new Error('engine process exited (1)');
        },
      },
    ],
  });
  t.after(() => app.close());
  const ready = await app.inject('/readyz');
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(ready.json().checks, { database: 'ok', queue: 'ok', store: 'ok', engine: 'ok' });
  engineUp = false;
  const down = await app.inject('/readyz');
  assert.equal(down.statusCode, 503);
  assert.deepEqual(down.json().failed, ['engine']);
  assert.equal(down.json().checks.engine, 'error: engine process exited (1)');
});

test('a download streams the stored result with type, length, ETag, cache and safety headers', async (t) => {
  const backends = await openBackends(t);
  const bytes = await sharp({ create: { width: 10, height: 10, channels: 4, background: '#10e0a080' } })
    .png()
    .toBuffer();
  const { output, path } = await storedResult(backends, {
    bytes: bytes,
    format: 'png',
    contentType: 'image/png',
    fileName: 'tiny pic.png',
    width: 10,
    height: 10,
  });
  const app = await server(backends);
  t.after(() => app.close());

  const response = await app.inject(path);
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['content-type'], 'image/png');
  assert.equal(response.headers['content-length'], String(bytes.length));
  assert.equal(response.headers.etag, output.etag);
  assert.equal(response.headers['x-content-type-options'], 'nosniff');
  assert.equal(
    response.headers['content-disposition'],
    `inline; filename="tiny pic.png"; filename*=UTF-8''tiny%20pic.png`,
  );
  const maxAge = Number(/^private, max-age=(\d+)$/.exec(String(response.headers['cache-control']))?.[1]);
  assert.ok(maxAge > 3500 && maxAge <= 3600, `max-age ${maxAge}`);
  assert.ok(!Number.isNaN(Date.parse(String(response.headers['last-modified']))));
  assert.equal(response.headers['content-security-policy'], undefined);
  await assertSamePixels(bytes, response.rawPayload, 'download');

  const again = await app.inject({ url: path, headers: { 'if-none-match': output.etag } });
  assert.equal(again.statusCode, 304);
  assert.equal(again.rawPayload.length, 0);
  assert.equal(again.headers.etag, output.etag);
  const changed = await app.inject({ url: path, headers: { 'if-none-match': '"something-else"' } });
  assert.equal(changed.statusCode, 200);
  const head = await app.inject({ method: 'HEAD', url: path });
  assert.equal(head.statusCode, 200);
  assert.equal(head.headers['content-length'], String(bytes.length));
  assert.equal(head.rawPayload.length, 0);
});

test('downloads answer one byte range with 206, and a range past the end with 416', async (t) => {
  const backends = await openBackends(t);
  const bytes = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#369' } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  const { output, path } = await storedResult(backends, {
    bytes,
    format: 'png',
    contentType: 'image/png',
    fileName: 'ranged.png',
    width: 64,
    height: 64,
  });
  const app = await server(backends);
  t.after(() => app.close());
  const size = bytes.length;
  const whole = await app.inject(path);
  assert.equal(whole.headers['accept-ranges'], 'bytes');

  for (const [header, start, end] of [
    ['bytes=0-9', 0, 9],
    ['bytes=100-', 100, size - 1],
    ['bytes=-50', size - 50, size - 1],
    [`bytes=10-${size + 1000}`, 10, size - 1],
  ] as const) {
    const response = await app.inject({ url: path, headers: { range: header } });
    assert.equal(response.statusCode, 206, header);
    assert.equal(response.headers['content-range'], `bytes ${start}-${end}/${size}`, header);
    assert.equal(response.headers['content-length'], String(end - start + 1), header);
    assert.ok(response.rawPayload.equals(bytes.subarray(start, end + 1)), `${header}: other bytes`);
    assert.equal(response.headers.etag, output.etag);
  }

  const past = await app.inject({ url: path, headers: { range: `bytes=${size}-` } });
  assert.equal(past.statusCode, 416);
  assert.equal(past.headers['content-range'], `bytes */${size}`);
  assert.equal(past.json().code, 'RANGE_NOT_SATISFIABLE');

  // Answered whole: several ranges, another unit, nonsense, an If-Range of another version, a HEAD.
  for (const headers of [
    { range: 'bytes=0-1,5-6' },
    { range: 'items=0-1' },
    { range: 'bytes=x-y' },
    { range: 'bytes=0-9', 'if-range': '"another-version"' },
  ]) {
    const response = await app.inject({ url: path, headers });
    assert.equal(response.statusCode, 200, JSON.stringify(headers));
    assert.equal(response.rawPayload.length, size);
  }
  const sameVersion = await app.inject({
    url: path,
    headers: { range: 'bytes=0-9', 'if-range': output.etag },
  });
  assert.equal(sameVersion.statusCode, 206);
  const head = await app.inject({ method: 'HEAD', url: path, headers: { range: 'bytes=0-9' } });
  assert.equal(head.statusCode, 200);
  assert.equal(head.headers['content-length'], String(size));
});

test('long file names (uploads keep up to 200 characters) are served', async (t) => {
  const backends = await openBackends(t);
  const bytes = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
  const name = `${'n'.repeat(196)}.png`;
  const { path } = await storedResult(backends, {
    bytes: bytes,
    format: 'png',
    contentType: 'image/png',
    fileName: name,
    width: 10,
    height: 10,
  });
  const app = await server(backends);
  t.after(() => app.close());
  const response = await app.inject(path);
  assert.equal(response.statusCode, 200, response.body);
});

test('an SVG download carries a Content-Security-Policy that blocks scripts', async (t) => {
  const backends = await openBackends(t);
  const svg = new TextEncoder().encode(STAR_SVG);
  const { path } = await storedResult(backends, {
    bytes: svg,
    format: 'svg',
    contentType: 'image/svg+xml',
    fileName: 'star.svg',
    width: 10,
    height: 10,
  });
  const app = await server(backends);
  t.after(() => app.close());
  const response = await app.inject(path);
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['content-type'], 'image/svg+xml');
  assert.match(String(response.headers['content-security-policy']), /default-src 'none'.*sandbox/);
  assert.equal(response.body, STAR_SVG);
});

test('downloads: wrong token or name 404 NOT_FOUND; expired or deleted 404 RESULT_EXPIRED', async (t) => {
  const backends = await openBackends(t);
  const bytes = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } })
    .png()
    .toBuffer();
  const { output, path, job } = await storedResult(backends, {
    bytes: bytes,
    format: 'png',
    contentType: 'image/png',
    fileName: 'a.png',
    width: 10,
    height: 10,
  });
  let clock = new Date();
  const app = await server(backends, () => clock);
  t.after(() => app.close());

  for (const wrong of [`/dl/${'0'.repeat(32)}/a.png`, `/dl/${output.token}/b.png`, '/dl/not-a-token/a.png']) {
    const response = await app.inject(wrong);
    assert.equal(response.statusCode, 404, wrong);
    assert.equal(response.json().code, 'NOT_FOUND', wrong);
    assert.equal(response.json().success, false);
  }
  clock = new Date(job.expiresAt.getTime() + 1000);
  const late = await app.inject(path);
  assert.equal(late.statusCode, 404);
  assert.deepEqual(late.json(), {
    success: false,
    code: 'RESULT_EXPIRED',
    message: 'This result has expired and was deleted; optimize the image again.',
  });
  clock = new Date();
  await backends.store.delete(output.blobKey);
  assert.equal((await app.inject(path)).json().code, 'RESULT_EXPIRED');
});

test('unknown routes answer JSON with success:false', async (t) => {
  const backends = await openBackends(t);
  const app = await server(backends);
  t.after(() => app.close());
  const response = await app.inject({ method: 'POST', url: '/v2/nothing' });
  assert.equal(response.statusCode, 404);
  assert.equal(response.json().success, false);
  assert.equal(response.json().code, 'NOT_FOUND');
});

test('addresses the router refuses answer in the same JSON shape: bad percent-encoding, overlong parameters', async (t) => {
  const backends = await openBackends(t);
  const app = await server(backends);
  t.after(() => app.close());
  const malformed = await app.inject('/dl/%zz/a.png');
  assert.equal(malformed.statusCode, 400);
  assert.equal(malformed.json().code, 'INVALID_REQUEST');
  assert.equal(malformed.json().success, false);
  // Longer than any token and file name (or webhook delivery id) Squish makes: names nothing.
  for (const url of [`/dl/${'a'.repeat(5000)}/a.png`, `/squish/v1/webhooks/${'a'.repeat(5000)}`]) {
    const response = await app.inject(url);
    assert.equal(response.statusCode, 404, url.slice(0, 30));
    assert.deepEqual(response.json(), {
      success: false,
      code: 'NOT_FOUND',
      message: 'Nothing was found at this address.',
    });
  }
});

/** Sends one raw HTTP/1.1 request (the target exactly as given) and returns the status line and body. */
function rawRequest(port: number, requestLine: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end(`${requestLine}\r\nHost: api.kraken.io\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

test('absolute-form targets (https_proxy clients) and duplicate slashes reach the routes', async (t) => {
  const backends = await openBackends(t);
  const app = await server(backends);
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  for (const line of ['GET https://api.kraken.io/healthz HTTP/1.1', 'GET //healthz HTTP/1.1']) {
    const answer = await rawRequest(port, line);
    assert.match(answer, /^HTTP\/1\.1 200 /, line);
    assert.match(answer, /\{"status":"ok"\}/, line);
  }
  const kraken = await rawRequest(port, 'POST https://api.kraken.io/v1/url HTTP/1.1\r\nContent-Length: 0');
  assert.doesNotMatch(kraken, /^HTTP\/1\.1 404 /, 'the Kraken route is found');
});

test('X-Forwarded-For names the client only when it comes from a trusted balancer (SQUISH_TRUST_PROXY)', async (t) => {
  const backends = await openBackends(t);
  const whoAmI = async (trustProxy: string[] | undefined) => {
    const app = await buildServer({ ...backends, waitTimeoutMs: 5000, trustProxy });
    app.get('/test-client-address', async (request) => ({ ip: request.ip }));
    const reply = await app.inject({
      url: '/test-client-address',
      remoteAddress: '127.0.0.1',
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    await app.close();
    return reply.json().ip;
  };
  assert.equal(await whoAmI(['127.0.0.1', '10.0.0.0/8']), '203.0.113.9');
  assert.equal(
    await whoAmI(['10.0.0.0/8']),
    '127.0.0.1',
    'a peer that is not a named balancer is the client',
  );
  assert.equal(await whoAmI(undefined), '127.0.0.1', 'nothing is trusted by default');
});
