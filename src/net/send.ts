import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { isSquishError, SquishError } from '../errors/index.js';
import { loadUndici, outboundAgent } from './agents.js';
import { assertPublicHost } from './guarded-lookup.js';
import { DEFAULT_USER_AGENT, type OutboundPolicy } from './outbound-policy.js';

/** One request of the guarded client, after its URL passed `checkUrlSyntax`. */
export interface SendOptions {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Aborts at the call's overall deadline (and when the caller cancels). */
  signal: AbortSignal;
  policy: OutboundPolicy;
}

/**
 * Sends one request through the pool of the policy, after checking the host's DNS addresses
 * (unless private networks are allowed; the pool checks them again at connect time). Redirects
 * are not followed here; the caller decides.
 */
export async function send(url: URL, options: SendOptions): Promise<Dispatcher.ResponseData> {
  const { policy, signal } = options;
  if (!policy.allowPrivateNetworks) {
    await untilAborted(assertPublicHost(url.hostname.replace(/^\[|\]$/g, '')), signal);
  }
  const { request } = await loadUndici();
  return request(url, {
    method: options.method,
    dispatcher: await outboundAgent(policy.allowPrivateNetworks),
    headers: {
      'user-agent': policy.userAgent ?? DEFAULT_USER_AGENT,
      // Bytes as stored: a compressed transfer would hide the real size from the cap.
      'accept-encoding': 'identity',
      ...options.headers,
    },
    body: options.body,
    signal,
    headersTimeout: policy.timeoutMs,
    bodyTimeout: policy.timeoutMs,
  });
}

/** A slow resolver must not outlast the call's deadline: the DNS check ends when the signal aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Reads a response body (or `body`, a stream made from it, such as its decoded form), refusing it
 * as soon as it grows past `maxBytes` (and at once when its Content-Length says it will), so a
 * huge or endless body never fills memory.
 */
export async function readCapped(
  response: Dispatcher.ResponseData,
  maxBytes: number,
  tooLarge: () => SquishError,
  body: Readable = response.body,
): Promise<Uint8Array> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    drop(response);
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    total += buffer.byteLength;
    if (total > maxBytes) {
      drop(response);
      if (body !== response.body) body.destroy();
      throw tooLarge();
    }
    chunks.push(buffer);
  }
  const all = Buffer.concat(chunks, total);
  return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
}

/** Reads and throws away a small body we do not need (a redirect's), so the connection is reused. */
export async function discard(response: Dispatcher.ResponseData): Promise<void> {
  try {
    await response.body.dump({ limit: 64 * 1024 });
  } catch {
    // A broken body does not matter: it was going to be thrown away.
  }
}

/** Stops reading a body at once; the connection is closed rather than drained. */
function drop(response: Dispatcher.ResponseData): void {
  // undici reports the abort we cause as an 'error' event; it is expected, not a failure.
  response.body.on('error', () => undefined);
  response.body.destroy();
}

/**
 * A signal for one call: it aborts at the policy's deadline or when the caller's signal aborts.
 * `timedOut()` says which happened.
 */
export function deadline(policy: OutboundPolicy, caller?: AbortSignal) {
  const timer = AbortSignal.timeout(policy.timeoutMs);
  const signal = caller ? AbortSignal.any([timer, caller]) : timer;
  return { signal, timedOut: () => timer.aborted && !caller?.aborted };
}

/**
 * Turns whatever a request threw into a SquishError: refusals and size errors pass through, the
 * caller's own abort is rethrown as it is, and everything else (DNS failure, refused connection,
 * TLS error, timeouts) becomes FETCH_FAILED with the cause kept for the logs.
 */
export function asOutboundError(
  error: unknown,
  url: URL,
  call: { timedOut(): boolean; signal: AbortSignal },
  policy: OutboundPolicy,
): unknown {
  const squish = findSquishError(error);
  if (squish) return squish;
  if (call.timedOut()) {
    return new SquishError(
      'FETCH_FAILED',
      `${url.host} did not answer within ${policy.timeoutMs / 1000} s.`,
      {
        cause: error,
      },
    );
  }
  if (call.signal.aborted) return call.signal.reason ?? error;
  const code = (error as { code?: string } | undefined)?.code;
  const what = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' ? 'timed out' : 'failed';
  return new SquishError('FETCH_FAILED', `The request to ${url.host} ${what}${code ? ` (${code})` : ''}.`, {
    cause: error,
  });
}

function findSquishError(error: unknown): SquishError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (isSquishError(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
