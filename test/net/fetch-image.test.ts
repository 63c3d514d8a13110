/**
 * fetchImage against real HTTP servers on 127.0.0.1. The allowed cases need
 * allowPrivateNetworks (every server here is on loopback); the refusals use the strict policy
 * and show that the server got nothing (see local-server.ts for why requests, not connections).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { SquishError } from '../../src/errors/index.js';
import { closeOutboundAgents, fetchImage, type OutboundPolicy } from '../../src/net/index.js';
import { assertSamePixels } from '../helpers/pixels.js';
import { type LocalServer, probePath, reached, startLocalServer } from './local-server.js';

const open: OutboundPolicy = { allowPrivateNetworks: true, timeoutMs: 5000, maxBytes: 64 * 1024 };
const strict: OutboundPolicy = { ...open, allowPrivateNetworks: false };

function failsWith(code: string, message?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof SquishError, String(error));
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return true;
  };
}

describe('fetchImage', () => {
  let png: Buffer;
  let server: LocalServer;
  const pending: Array<() => void> = [];
  let bigBodyClosed: Promise<void>;
  let markBigBodyClosed: () => void;

  before(async () => {
    png = await sharp({
      create: { width: 48, height: 32, channels: 4, background: { r: 200, g: 40, b: 90, alpha: 0.5 } },
    })
      .png()
      .toBuffer();
    bigBodyClosed = new Promise((resolve) => {
      markBigBodyClosed = resolve;
    });
    server = await startLocalServer({
      '/photo.png': (_request, response) => response.writeHead(200, { 'content-type': 'image/png' }).end(png),
      '/page': (_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>'),
      '/to-relative': (_request, response) =>
        response.writeHead(302, { location: 'files/my%20cat%3F.png' }).end(),
      '/files/my%20cat%3F.png': (_request, response) => response.end(png),
      '/to-absolute': (_request, response) =>
        response.writeHead(301, { location: `${server.origin}/photo.png` }).end('moved'),
      '/loop': (request, response) => {
        const hop = Number(new URL(request.url!, server.origin).searchParams.get('hop') ?? 0);
        response.writeHead(307, { location: hop >= 5 ? '/photo.png' : `/loop?hop=${hop + 1}` }).end();
      },
      '/endless-loop': (request, response) => response.writeHead(302, { location: request.url! }).end(),
      '/to-file': (_request, response) => response.writeHead(302, { location: 'file:///etc/passwd' }).end(),
      '/to-credentials': (_request, response) =>
        response.writeHead(302, { location: `http://admin:secret@127.0.0.1:${server.port}/photo.png` }).end(),
      '/gzipped.png': (_request, response) =>
        response
          .writeHead(200, { 'content-type': 'image/png', 'content-encoding': 'gzip' })
          .end(gzipSync(png)),
      '/brotli.png': (_request, response) =>
        response
          .writeHead(200, { 'content-type': 'image/png', 'content-encoding': 'br' })
          .end(brotliCompressSync(png)),
      '/twice.png': (_request, response) =>
        response.writeHead(200, { 'content-encoding': 'gzip, br' }).end(brotliCompressSync(gzipSync(png))),
      // 32 MB of zeros in 32 KB: far past the cap once decoded.
      '/bomb.gz': (_request, response) =>
        response.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(Buffer.alloc(32 * 1024 * 1024))),
      '/corrupt.gz': (_request, response) =>
        response.writeHead(200, { 'content-encoding': 'gzip' }).end(Buffer.from('not gzip at all')),
      '/zstd': (_request, response) => response.writeHead(200, { 'content-encoding': 'zstd' }).end(png),
      '/gzip-trickle': (_request, response) => {
        const coded = gzipSync(png);
        response.writeHead(200, { 'content-encoding': 'gzip' });
        let sent = 0;
        const timer = setInterval(() => {
          if (sent >= coded.length) return;
          response.write(coded.subarray(sent, sent + 8));
          sent += 8;
        }, 100);
        response.on('close', () => clearInterval(timer));
      },
      '/missing': (_request, response) => response.writeHead(404).end('no'),
      '/broken': (_request, response) => response.writeHead(500).end('oops'),
      '/declared-huge': (_request, response) => {
        response.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
        response.write(Buffer.alloc(1024));
        // The rest is never sent: the client must refuse from the header alone.
        pending.push(() => response.destroy());
      },
      '/endless': (_request, response) => {
        response.writeHead(200, { 'content-type': 'image/png' });
        const chunk = Buffer.alloc(16 * 1024, 1);
        const pump = () => {
          while (!response.destroyed && response.write(chunk));
        };
        response.on('drain', pump);
        response.on('close', () => markBigBodyClosed());
        pump();
      },
      '/never-answers': (_request, response) => {
        pending.push(() => response.destroy());
      },
      '/trickle': (_request, response) => {
        response.writeHead(200);
        const timer = setInterval(() => response.write('x'), 100);
        response.on('close', () => clearInterval(timer));
      },
    });
  });

  after(async () => {
    for (const release of pending) release();
    await server.close();
    await closeOutboundAgents();
  });

  it('fetches an image whose pixels are the ones served, with its type, final URL and file name', async () => {
    const fetched = await fetchImage(`${server.origin}/photo.png`, open);
    await assertSamePixels(png, fetched.bytes, 'fetched');
    assert.equal(fetched.contentType, 'image/png');
    assert.equal(fetched.finalUrl, `${server.origin}/photo.png`);
    assert.equal(fetched.fileName, 'photo.png');
    const sent = server.requests.at(-1)!;
    assert.match(String(sent.headers['user-agent']), /Squish/);
    assert.equal(sent.headers['accept-encoding'], 'identity');
  });

  it('follows relative and absolute redirects; the file name comes from the final URL, sanitized', async () => {
    const relative = await fetchImage(`${server.origin}/to-relative`, open);
    assert.equal(relative.finalUrl, `${server.origin}/files/my%20cat%3F.png`);
    assert.equal(relative.fileName, 'my_cat_.png');
    await assertSamePixels(png, relative.bytes);
    const absolute = await fetchImage(`${server.origin}/to-absolute`, open);
    assert.equal(absolute.fileName, 'photo.png');
  });

  it('follows five redirects and no more', async () => {
    const fetched = await fetchImage(`${server.origin}/loop?hop=1`, open);
    assert.equal(fetched.finalUrl, `${server.origin}/photo.png`);
    await assert.rejects(
      fetchImage(`${server.origin}/loop?hop=0`, open),
      failsWith('FETCH_FAILED', /redirects/),
    );
    await assert.rejects(fetchImage(`${server.origin}/endless-loop`, open), failsWith('FETCH_FAILED'));
    await assert.rejects(
      fetchImage(`${server.origin}/loop?hop=3`, { ...open, maxRedirects: 1 }),
      failsWith('FETCH_FAILED', /more than 1/),
    );
  });

  it('re-checks every redirect target: another scheme or credentials are refused', async () => {
    await assert.rejects(fetchImage(`${server.origin}/to-file`, open), failsWith('URL_NOT_ALLOWED', /file:/));
    await assert.rejects(fetchImage(`${server.origin}/to-credentials`, open), failsWith('URL_NOT_ALLOWED'));
  });

  it('fails on a non-2xx status, naming it', async () => {
    await assert.rejects(fetchImage(`${server.origin}/missing`, open), failsWith('FETCH_FAILED', /404/));
    await assert.rejects(fetchImage(`${server.origin}/broken`, open), failsWith('FETCH_FAILED', /500/));
  });

  it('returns a body that is not an image as it is: the engine decides', async () => {
    const fetched = await fetchImage(`${server.origin}/page`, open);
    assert.equal(Buffer.from(fetched.bytes).toString(), '<html>');
    assert.equal(fetched.contentType, 'text/html');
    assert.equal(fetched.fileName, 'page');
  });

  it('decodes a body the server compressed anyway (gzip, br, both), as S3 serves a stored .svg.gz', async () => {
    for (const path of ['/gzipped.png', '/brotli.png', '/twice.png']) {
      const fetched = await fetchImage(`${server.origin}${path}`, open);
      assert.ok(Buffer.from(fetched.bytes).equals(png), path);
    }
  });

  it('caps the decoded bytes: a compression bomb stops at the cap', async () => {
    await assert.rejects(fetchImage(`${server.origin}/bomb.gz`, open), failsWith('INPUT_TOO_LARGE', /65536/));
  });

  it('fails clearly on a corrupt or unknown content coding', async () => {
    await assert.rejects(
      fetchImage(`${server.origin}/corrupt.gz`, open),
      failsWith('FETCH_FAILED', /gzip-compressed.*corrupt/),
    );
    await assert.rejects(fetchImage(`${server.origin}/zstd`, open), failsWith('FETCH_FAILED', /zstd/));
  });

  it('names the deadline, not corrupt data, when a compressed body is cut short by it', async () => {
    await assert.rejects(
      fetchImage(`${server.origin}/gzip-trickle`, { ...open, timeoutMs: 400 }),
      failsWith('FETCH_FAILED', /0\.4 s/),
    );
  });

  it('refuses a Content-Length above the cap before reading the body', async () => {
    await assert.rejects(fetchImage(`${server.origin}/declared-huge`, open), failsWith('INPUT_TOO_LARGE'));
  });

  it('stops reading an endless body once it passes the cap, and drops the connection', async () => {
    await assert.rejects(fetchImage(`${server.origin}/endless`, open), failsWith('INPUT_TOO_LARGE', /65536/));
    await bigBodyClosed;
  });

  it('gives up at the deadline when the server never answers, or trickles its body', async () => {
    const quick = { ...open, timeoutMs: 400 };
    await assert.rejects(
      fetchImage(`${server.origin}/never-answers`, quick),
      failsWith('FETCH_FAILED', /0\.4 s/),
    );
    await assert.rejects(fetchImage(`${server.origin}/trickle`, quick), failsWith('FETCH_FAILED', /0\.4 s/));
  });

  it('stops when the caller aborts, with the caller’s reason', async () => {
    const controller = new AbortController();
    const fetching = fetchImage(`${server.origin}/never-answers`, open, controller.signal);
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await assert.rejects(fetching, /shutting down/);
  });

  it('fails cleanly when nothing listens or the name does not resolve', async () => {
    const closed = await startLocalServer({});
    const port = closed.port;
    await closed.close();
    await assert.rejects(fetchImage(`http://127.0.0.1:${port}/x.png`, open), failsWith('FETCH_FAILED'));
    await assert.rejects(fetchImage('http://no-such-host.invalid/x.png', strict), failsWith('FETCH_FAILED'));
  });

  it('with the strict policy, refuses loopback, metadata, private and CGNAT hosts without sending anything', async (t) => {
    const target = await startLocalServer({ '/photo.png': (_request, response) => response.end(png) });
    t.after(() => target.close());
    const port = target.port;
    const path = probePath('/photo.png');
    for (const url of [
      `http://127.0.0.1:${port}${path}`,
      `http://localhost:${port}${path}`,
      `http://[::1]:${port}${path}`,
      `http://[::ffff:127.0.0.1]:${port}${path}`,
      `http://2130706433:${port}${path}`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/x.png',
      'http://100.64.0.1/x.png',
      'http://0.0.0.0/x.png',
    ]) {
      await assert.rejects(fetchImage(url, strict), failsWith('URL_NOT_ALLOWED'), url);
    }
    assert.equal(reached(target, path), false);
  });
});
