import { SquishError } from '../errors/index.js';
import { checkUrlSyntax } from './check-url.js';
import { type DecodedBody, decodedBody } from './decoded-body.js';
import { fileNameFromUrl } from './file-name.js';
import { DEFAULT_MAX_REDIRECTS, type OutboundPolicy } from './outbound-policy.js';
import { isRedirectStatus, redirectTarget } from './redirect.js';
import { asOutboundError, deadline, discard, readCapped, send } from './send.js';

/** What `fetchImage` downloaded. */
export interface FetchedImage {
  bytes: Uint8Array;
  /** The Content-Type the server claimed (informative only: the engine detects the format). */
  contentType?: string;
  /** The URL the bytes came from, after redirects. */
  finalUrl: string;
  /** A safe file name from the final URL's last path segment, or "image". */
  fileName: string;
}

/**
 * Downloads an image for `POST /v1/url` through the guarded client: every URL and redirect target
 * is checked (scheme, credentials, addresses after DNS and at connect time), redirects are
 * followed by hand up to `policy.maxRedirects`, the body is capped at `policy.maxBytes` while it
 * streams (after undoing a gzip, deflate or br coding the server applied anyway, see decodedBody),
 * and the whole call, redirects included, ends by `policy.timeoutMs`. Whatever the body is, it is
 * returned: the engine decides whether it is an image.
 *
 * @throws SquishError URL_NOT_ALLOWED, FETCH_FAILED (network error, timeout, non-2xx status) or
 *   INPUT_TOO_LARGE; the caller's abort reason when `signal` aborts
 */
export async function fetchImage(
  url: string,
  policy: OutboundPolicy,
  signal?: AbortSignal,
): Promise<FetchedImage> {
  let current = checkUrlSyntax(url, policy);
  const call = deadline(policy, signal);
  const maxRedirects = policy.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await send(current, {
        method: 'GET',
        headers: { accept: 'image/*,*/*;q=0.8' },
        signal: call.signal,
        policy,
      });
      if (isRedirectStatus(response.statusCode)) {
        await discard(response);
        if (redirects >= maxRedirects) {
          throw new SquishError(
            'FETCH_FAILED',
            `Too many redirects (more than ${maxRedirects}) from ${url}.`,
          );
        }
        current = redirectTarget(current, header(response.headers.location), policy);
        continue;
      }
      if (response.statusCode < 200 || response.statusCode > 299) {
        await discard(response);
        throw new SquishError(
          'FETCH_FAILED',
          `The server at ${current.host} answered HTTP ${response.statusCode} for the image URL.`,
        );
      }
      let decoded: DecodedBody;
      try {
        decoded = decodedBody(response);
      } catch (error) {
        await discard(response);
        throw error;
      }
      const bytes = await readCapped(
        response,
        policy.maxBytes,
        () =>
          new SquishError(
            'INPUT_TOO_LARGE',
            `The image at the URL is larger than the limit of ${policy.maxBytes} bytes.`,
          ),
        decoded.body,
      ).catch((error: unknown) => {
        const coding = decoded.failedCoding();
        if (!coding || error instanceof SquishError) throw error;
        throw new SquishError(
          'FETCH_FAILED',
          `The server sent the image ${coding}-compressed, and the compressed data is corrupt.`,
          { cause: error },
        );
      });
      const contentType = header(response.headers['content-type']);
      return {
        bytes,
        ...(contentType ? { contentType } : {}),
        finalUrl: current.href,
        fileName: fileNameFromUrl(current),
      };
    }
  } catch (error) {
    throw asOutboundError(error, current, call, policy);
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
