import { SquishError } from '../errors/index.js';
import { isIpLiteral, isPublicAddress } from './address-check.js';
import type { OutboundPolicy } from './outbound-policy.js';

/**
 * The checks that need no network, done on every URL before a request and on every redirect
 * target: an absolute http(s) URL, no user name or password in it, and, unless the policy allows
 * private networks, no literal IP address outside the public unicast ranges. Host names are judged
 * later, on the addresses DNS gives them. Any port is allowed.
 *
 * WHATWG URL parsing already turns the decimal, octal and hex IPv4 spellings
 * (`http://2130706433/`, `http://0x7f.1/`, `http://017700000001/`) into dotted form, so they
 * meet the same address check.
 *
 * @throws SquishError URL_NOT_ALLOWED
 */
export function checkUrlSyntax(url: string, policy: OutboundPolicy): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SquishError('URL_NOT_ALLOWED', `The URL is not an absolute URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new SquishError(
      'URL_NOT_ALLOWED',
      `Only http and https URLs can be fetched, not ${parsed.protocol}`,
    );
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new SquishError('URL_NOT_ALLOWED', 'URLs with a user name or password are not allowed.');
  }
  if (parsed.hostname === '') {
    throw new SquishError('URL_NOT_ALLOWED', 'The URL has no host.');
  }
  if (!policy.allowPrivateNetworks && isIpLiteral(parsed.hostname) && !isPublicAddress(parsed.hostname)) {
    throw refusedAddress(parsed.hostname);
  }
  return parsed;
}

/** The error for a host or address outside the public internet. */
export function refusedAddress(address: string, host?: string): SquishError {
  const what = host && host !== address ? `${host} (${address})` : address;
  return new SquishError(
    'URL_NOT_ALLOWED',
    `The URL points at ${what}, which is not a public internet address; Squish does not connect to it.`,
  );
}
