import { SquishError } from '../errors/index.js';
import { checkUrlSyntax } from './check-url.js';
import type { OutboundPolicy } from './outbound-policy.js';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Whether a status asks the client to go elsewhere. */
export function isRedirectStatus(status: number): boolean {
  return REDIRECT_STATUSES.has(status);
}

/**
 * Where a redirect leads, checked like the first URL: the `Location` is resolved against the URL
 * that answered, then must pass {@link checkUrlSyntax} (scheme, credentials, literal addresses).
 * The caller checks the new host's DNS addresses before connecting, as for the first URL.
 *
 * @throws SquishError FETCH_FAILED without a Location, URL_NOT_ALLOWED for a refused target
 */
export function redirectTarget(from: URL, location: string | undefined, policy: OutboundPolicy): URL {
  if (location === undefined || location === '') {
    throw new SquishError('FETCH_FAILED', `The server at ${from.host} redirected without a Location.`);
  }
  let target: URL;
  try {
    target = new URL(location, from);
  } catch {
    throw new SquishError(
      'URL_NOT_ALLOWED',
      `The server redirected to an invalid URL: ${JSON.stringify(location)}`,
    );
  }
  return checkUrlSyntax(target.href, policy);
}
