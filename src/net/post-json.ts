import type { Dispatcher } from 'undici';
import { checkUrlSyntax } from './check-url.js';
import type { OutboundPolicy } from './outbound-policy.js';
import { asOutboundError, deadline, send } from './send.js';

/** The most of a receiver's answer kept by default (for logs): callbacks need only the status. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** Options of one POST. */
export interface PostJsonOptions {
  /** Extra request headers (a webhook's signature, ...). */
  headers?: Record<string, string>;
  /**
   * The most of the answer read: the rest is not read at all (the connection is closed instead),
   * and the answer returned is its first `maxAnswerBytes` bytes. Default 64 KiB, and never more
   * than the policy's byte limit.
   */
  maxAnswerBytes?: number;
}

/**
 * POSTs a JSON body (a callback) through the guarded client and returns the receiver's status and
 * the start of its answer. Redirects are not followed: a 3xx is returned as the status (a
 * receiver that moved should be reconfigured, and re-POSTing to a new host is a way around the
 * address checks). Any status is returned; the caller decides what counts as delivered.
 *
 * @throws SquishError URL_NOT_ALLOWED, or FETCH_FAILED for a network error or timeout
 */
export async function postJson(
  url: string,
  body: unknown,
  policy: OutboundPolicy,
  headers?: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const response = await postJsonText(url, JSON.stringify(body), policy, { headers });
  // An answer over the cap reads as none, as it always has for this function's callers.
  return { status: response.status, body: response.truncated ? '' : response.body };
}

/**
 * POSTs a body that is already JSON text, byte for byte as given (a signed webhook: the signature
 * covers exactly these bytes). The policy's timeout bounds the whole call, answer included.
 *
 * @throws SquishError URL_NOT_ALLOWED, or FETCH_FAILED for a network error or timeout
 */
export async function postJsonText(
  url: string,
  json: string,
  policy: OutboundPolicy,
  options: PostJsonOptions = {},
): Promise<{ status: number; body: string; truncated: boolean }> {
  const target = checkUrlSyntax(url, policy);
  const call = deadline(policy);
  try {
    const response = await send(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, */*;q=0.5',
        ...options.headers,
      },
      body: json,
      signal: call.signal,
      policy,
    });
    const limit = Math.min(options.maxAnswerBytes ?? MAX_ANSWER_BYTES, policy.maxBytes);
    const answer = await readAnswerStart(response, limit);
    return { status: response.statusCode, ...answer };
  } catch (error) {
    throw asOutboundError(error, target, call, policy);
  }
}

/**
 * The first `limit` bytes of an answer, as text. A longer answer is cut there and its connection
 * closed; a broken one reads as what arrived before it broke: neither changes the verdict, which
 * is the status.
 */
async function readAnswerStart(
  response: Dispatcher.ResponseData,
  limit: number,
): Promise<{ body: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body) {
      const buffer = chunk as Buffer;
      const room = limit - total;
      if (buffer.byteLength > room) {
        chunks.push(buffer.subarray(0, room));
        total = limit;
        response.body.on('error', () => undefined);
        response.body.destroy();
        return { body: Buffer.concat(chunks).toString('utf8'), truncated: true };
      }
      chunks.push(buffer);
      total += buffer.byteLength;
    }
  } catch {
    return { body: Buffer.concat(chunks).toString('utf8'), truncated: true };
  }
  return { body: Buffer.concat(chunks).toString('utf8'), truncated: false };
}
