import { SquishError } from '../errors/index.js';
import { checkUrlSyntax } from './check-url.js';
import type { OutboundPolicy } from './outbound-policy.js';
import { asOutboundError, deadline, readCapped, send } from './send.js';

/** The most of a receiver's answer kept (for logs): callbacks need only the status. */
const MAX_ANSWER_BYTES = 64 * 1024;

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
  const target = checkUrlSyntax(url, policy);
  const call = deadline(policy);
  try {
    const response = await send(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, */*;q=0.5', ...headers },
      body: JSON.stringify(body),
      signal: call.signal,
      policy,
    });
    const limit = Math.min(MAX_ANSWER_BYTES, policy.maxBytes);
    let answer: string;
    try {
      answer = Buffer.from(await readCapped(response, limit, () => new SquishError('FETCH_FAILED'))).toString(
        'utf8',
      );
    } catch {
      // An oversized or broken answer does not change the verdict, which is the status.
      answer = '';
    }
    return { status: response.statusCode, body: answer };
  } catch (error) {
    throw asOutboundError(error, target, call, policy);
  }
}
