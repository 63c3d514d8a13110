/**
 * The parts of a Kraken options object that are not about the image: who is calling (B1.3) and
 * how the result is delivered (B1.4 wait / callback_url).
 */
import type { JobDelivery } from '../../db/records.js';
import { invalidOption, SquishError } from '../../errors/index.js';
import { KRAKEN_MESSAGES } from './error-body.js';
import { isPlainObject, readFlag } from './lenient-values.js';

/**
 * The longest `url` or `callback_url` taken: what common servers and proxies accept in a request
 * line (nginx's default large header buffer). A URL of 100 000 characters was taken, stored in the
 * job's row and fetched.
 */
export const MAX_URL_CHARS = 8192;
const URL_EXPECTED = `an absolute http(s) URL of at most ${MAX_URL_CHARS} characters`;

export interface KrakenCredentials {
  apiKey: string;
  apiSecret: string;
}

/**
 * `auth: {api_key, api_secret}` at the top level of the options.
 * @throws SquishError UNAUTHORIZED when either is missing (Kraken answers 401 to a missing key too).
 */
export function readCredentials(options: Record<string, unknown>): KrakenCredentials {
  const auth = options.auth;
  const apiKey = isPlainObject(auth) ? auth.api_key : undefined;
  const apiSecret = isPlainObject(auth) ? auth.api_secret : undefined;
  if (typeof apiKey !== 'string' || apiKey === '' || typeof apiSecret !== 'string' || apiSecret === '') {
    throw new SquishError('UNAUTHORIZED', KRAKEN_MESSAGES.unknownKey);
  }
  return { apiKey, apiSecret };
}

/**
 * `wait: true` or `callback_url`. When both are sent, `wait` wins: the caller is holding the
 * connection open for the result, and answering it with only an id would lose the result for
 * a client that reads it from the response (the callback receiver simply hears nothing).
 * The callback URL is checked for syntax here; a literal address outside the public internet is
 * refused when the job is submitted (JobService), and where a host name points when it is called.
 * @throws SquishError DELIVERY_MODE_REQUIRED when neither is given, INVALID_OPTION for a bad URL.
 */
export function readDelivery(options: Record<string, unknown>): JobDelivery {
  if (readFlag(options.wait, 'wait') === true) return { mode: 'wait' };
  const callback = options.callback_url;
  if (callback === undefined || callback === null || callback === '') {
    throw new SquishError('DELIVERY_MODE_REQUIRED', KRAKEN_MESSAGES.deliveryMode);
  }
  if (typeof callback !== 'string' || callback.length > MAX_URL_CHARS || !isHttpUrl(callback)) {
    throw invalidOption('callback_url', URL_EXPECTED, callback);
  }
  // The parsed form, not the raw text: it has no control characters (a NUL, which URL parsing
  // drops, would make PostgreSQL refuse the job's row) and is what the guarded client will call.
  return { mode: 'callback', url: new URL(callback).href };
}

/**
 * `url` of /v1/url, checked for shape only (the platform checks where it points).
 * @throws SquishError INVALID_OPTION when absent or not a URL, URL_NOT_ALLOWED for a scheme
 *   other than http(s) (file:, ftp:, data:, ...).
 */
export function readSourceUrl(options: Record<string, unknown>): string {
  const url = options.url;
  if (typeof url !== 'string' || url.length > MAX_URL_CHARS || !URL.canParse(url)) {
    throw invalidOption('url', URL_EXPECTED, url);
  }
  if (!isHttpUrl(url)) throw new SquishError('URL_NOT_ALLOWED');
  return url;
}

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'http:' || protocol === 'https:';
}
