/**
 * postJson (callbacks) against a real receiver on 127.0.0.1: the body and headers it gets, any
 * status returned as it is, redirects not followed, refusals and network failures as errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SquishError } from '../../src/errors/index.js';
import { closeOutboundAgents, type OutboundPolicy, postJson } from '../../src/net/index.js';
import { type LocalServer, probePath, reached, startLocalServer } from './local-server.js';

const open: OutboundPolicy = { allowPrivateNetworks: true, timeoutMs: 5000, maxBytes: 1024 * 1024 };
const strict: OutboundPolicy = { ...open, allowPrivateNetworks: false };

function failsWith(code: string) {
  return (error: unknown) => error instanceof SquishError && error.code === code;
}

describe('postJson', () => {
  let receiver: LocalServer;
  const pending: Array<() => void> = [];

  before(async () => {
    receiver = await startLocalServer({
      '/hook': (_request, response) =>
        response.writeHead(200, { 'content-type': 'text/plain' }).end('thanks'),
      '/down': (_request, response) => response.writeHead(503).end('later'),
      '/moved': (_request, response) => response.writeHead(307, { location: '/hook' }).end(),
      '/chatty': (_request, response) => response.writeHead(200).end(Buffer.alloc(200 * 1024, 'a')),
      '/silent': (_request, response) => {
        pending.push(() => response.destroy());
      },
    });
  });

  after(async () => {
    for (const release of pending) release();
    await receiver.close();
    await closeOutboundAgents();
  });

  it('POSTs the JSON body with its headers and returns the status and answer', async () => {
    const body = { success: true, id: 'abc', kraked_url: 'https://x.example/dl/t/a.png' };
    const answer = await postJson(`${receiver.origin}/hook`, body, open, { 'x-squish-test': 'yes' });
    assert.deepEqual(answer, { status: 200, body: 'thanks' });
    const got = receiver.requests.at(-1)!;
    assert.equal(got.method, 'POST');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['x-squish-test'], 'yes');
    assert.deepEqual(JSON.parse(got.body.toString()), body);
  });

  it('returns an error status as a status, for the caller to retry', async () => {
    assert.deepEqual(await postJson(`${receiver.origin}/down`, {}, open), { status: 503, body: 'later' });
  });

  it('does not follow a redirect', async () => {
    const count = receiver.requests.length;
    assert.equal((await postJson(`${receiver.origin}/moved`, {}, open)).status, 307);
    assert.equal(receiver.requests.length, count + 1);
  });

  it('keeps the status of a receiver whose answer is too long to keep', async () => {
    assert.deepEqual(await postJson(`${receiver.origin}/chatty`, {}, open), { status: 200, body: '' });
  });

  it('refuses loopback and metadata receivers under the strict policy, without sending anything', async () => {
    const path = probePath('/hook');
    await assert.rejects(postJson(`${receiver.origin}${path}`, {}, strict), failsWith('URL_NOT_ALLOWED'));
    await assert.rejects(
      postJson(`http://localhost:${receiver.port}${path}`, {}, strict),
      failsWith('URL_NOT_ALLOWED'),
    );
    await assert.rejects(postJson('http://169.254.169.254/hook', {}, strict), failsWith('URL_NOT_ALLOWED'));
    await assert.rejects(postJson('ftp://example.com/hook', {}, open), failsWith('URL_NOT_ALLOWED'));
    assert.equal(reached(receiver, path), false);
  });

  it('fails with FETCH_FAILED when the receiver is silent past the deadline or not listening', async () => {
    await assert.rejects(
      postJson(`${receiver.origin}/silent`, {}, { ...open, timeoutMs: 300 }),
      failsWith('FETCH_FAILED'),
    );
    const gone = await startLocalServer({});
    const port = gone.port;
    await gone.close();
    await assert.rejects(postJson(`http://127.0.0.1:${port}/hook`, {}, open), failsWith('FETCH_FAILED'));
  });
});
