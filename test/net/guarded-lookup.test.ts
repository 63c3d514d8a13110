/**
 * The connect-time guard: the lookup the guarded connection pool resolves host names with refuses
 * names whose addresses are not public, and a request sent straight to the pool (skipping the
 * client's own DNS pre-check) never reaches the server. `localhost` resolves through /etc/hosts,
 * so no outside DNS is needed.
 */
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { SquishError } from '../../src/errors/index.js';
import { outboundAgent } from '../../src/net/agents.js';
import { guardedLookup } from '../../src/net/guarded-lookup.js';
import { closeOutboundAgents } from '../../src/net/index.js';
import { type LocalServer, probePath, reached, startLocalServer } from './local-server.js';

function lookupOnce(hostname: string, all: boolean) {
  return new Promise<{ error: unknown; address: string | LookupAddress[] }>((resolve) => {
    guardedLookup(hostname, { all }, (error, address) => resolve({ error, address }));
  });
}

describe('guardedLookup', () => {
  let server: LocalServer;
  before(async () => {
    server = await startLocalServer({ '/': (_request, response) => response.end('reached') });
  });
  after(async () => {
    await server.close();
    await closeOutboundAgents();
  });

  it('refuses a name that resolves to loopback, in both lookup forms', async () => {
    for (const all of [true, false]) {
      const { error, address } = await lookupOnce('localhost', all);
      assert.ok(error instanceof SquishError, String(error));
      assert.equal(error.code, 'URL_NOT_ALLOWED');
      assert.match(error.message, /localhost \((127\.0\.0\.1|::1)\)/);
      assert.deepEqual(address, []);
    }
  });

  it('passes resolution failures on as they are', async () => {
    const { error } = await lookupOnce('no-such-host.invalid', true);
    assert.ok(error instanceof Error && !(error instanceof SquishError));
  });

  it('refuses at connect time: a request given straight to the guarded pool never reaches the server', async () => {
    const path = probePath('/');
    await assert.rejects(
      request(`http://localhost:${server.port}${path}`, { dispatcher: await outboundAgent(false) }),
      (error: unknown) => {
        let current = error;
        while (current && !(current instanceof SquishError)) current = (current as { cause?: unknown }).cause;
        return current instanceof SquishError && current.code === 'URL_NOT_ALLOWED';
      },
    );
    assert.equal(reached(server, path), false);
    // The same request through the open pool does reach it: the refusal came from the guard.
    const response = await request(`http://localhost:${server.port}${path}`, {
      dispatcher: await outboundAgent(true),
    });
    assert.equal(await response.body.text(), 'reached');
    assert.equal(reached(server, path), true);
  });
});
