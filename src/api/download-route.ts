import type { FastifyInstance, FastifyRequest } from 'fastify';
import parseRange from 'range-parser';
import type { SquishDatabase } from '../db/database.js';
import { SquishError } from '../errors/index.js';
import type { BlobStore, ByteRange } from '../store/blob-store.js';

/** Tokens are 32 hex (JobOutput.token); anything else cannot exist, so no database query for it. */
const TOKEN = /^[0-9a-f]{32}$/;

/**
 * No script may run in a served SVG, even one a sanitizer missed: the document is opened from
 * our origin. Inline styles and data: images are what optimized SVGs legitimately use.
 */
const SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

/**
 * Longest life of a presigned download URL: long enough for a client to follow the redirect and
 * fetch a large result, short enough that a leaked URL soon stops working. Never longer than the
 * result itself has left.
 */
const PRESIGNED_MAX_SECONDS = 300;
/**
 * Shortest life worth a redirect. SigV4 counts a URL's life from its signing time truncated to
 * the second, and the store's clock may differ a little from ours: a URL of a second or two could
 * be refused before the client follows it. A result closer than this to its expiry is streamed.
 */
const PRESIGNED_MIN_SECONDS = 10;

/** `inline; filename="..."` with an ASCII fallback and the exact name in RFC 5987 form. */
function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `inline; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** Whether an If-None-Match header matches the ETag (weak comparison, as RFC 9110 asks for it). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const strip = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || strip(tag) === strip(etag));
}

/**
 * The one byte range a GET asks for, checked against the result's size; undefined for the whole
 * result: no Range header, one that is malformed or not in bytes, several ranges (answering them
 * whole is allowed, RFC 9110 14.2), or an If-Range naming another version than `etag`.
 * @throws SquishError RANGE_NOT_SATISFIABLE when the range starts past the end.
 */
function requestedRange(request: FastifyRequest, size: number, etag: string): ByteRange | undefined {
  const header = request.headers.range;
  if (request.method !== 'GET' || !header) return undefined;
  // If-Range takes an entity tag, compared strongly, or a date; a result never changes under its
  // address, but a date cannot prove that to the byte, so only our own ETag keeps the Range.
  const ifRange = request.headers['if-range'];
  if (ifRange !== undefined && String(ifRange).trim() !== etag) return undefined;
  const ranges = parseRange(size, header, { combine: true });
  if (ranges === -1) throw new SquishError('RANGE_NOT_SATISFIABLE');
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return undefined;
  const [range] = ranges;
  return range && { start: range.start, end: range.end };
}

/**
 * GET /dl/:token/:name serves a stored result, read in place from the blob store. The token is
 * unguessable (128 random bits); the name must be the result's own. A result past its expiry, or
 * whose blob the janitor already deleted, answers 404 RESULT_EXPIRED, so a user can tell "too
 * late" from "wrong address".
 *
 * When the store offers presigned URLs (S3 with SQUISH_S3_PRESIGNED_DOWNLOADS=1), a GET is answered
 * 302 to a URL of the store that expires no later than the result and answers with the result's
 * Content-Type and Content-Disposition, so the bytes skip the API node. The checks above still run
 * here first (an expired or deleted result is 404 from Squish). SVG results are always streamed:
 * only Squish can add the Content-Security-Policy that keeps scripts in them from running. A HEAD
 * is streamed too (a presigned GET URL does not answer HEAD), and so is a result with less than
 * PRESIGNED_MIN_SECONDS left. One byte range may be asked for (`Range: bytes=...`, 206 with
 * Content-Range), so that an interrupted download of a large result can resume; a redirected
 * client sends its Range to the store, which answers it alike.
 */
export function registerDownloadRoute(
  app: FastifyInstance,
  deps: { db: SquishDatabase; store: BlobStore; now?: () => Date },
): void {
  const now = deps.now ?? (() => new Date());
  app.get<{ Params: { token: string; name: string } }>('/dl/:token/:name', async (request, reply) => {
    const { token, name } = request.params;
    const download = TOKEN.test(token) ? await deps.db.jobs.getDownload(token) : undefined;
    if (!download || download.fileName !== name) {
      // After the janitor has run, an expired result has no row left: say that it may be that.
      throw new SquishError(
        'NOT_FOUND',
        'No result at this address: the address is wrong, or the result expired and was deleted.',
      );
    }
    const remainingMs = download.expiresAt.getTime() - now().getTime();
    if (remainingMs <= 0) throw new SquishError('RESULT_EXPIRED');
    const info = await deps.store.stat(download.blobKey);
    if (!info) throw new SquishError('RESULT_EXPIRED');
    const notModified = matchesEtag(request.headers['if-none-match'], download.etag);

    const presign = deps.store.presignedGetUrl;
    const redirectSeconds = Math.min(PRESIGNED_MAX_SECONDS, Math.floor(remainingMs / 1000));
    if (
      presign &&
      !notModified &&
      request.method === 'GET' &&
      download.format !== 'svg' &&
      redirectSeconds >= PRESIGNED_MIN_SECONDS
    ) {
      const url = await presign(download.blobKey, {
        expiresInSeconds: redirectSeconds,
        contentType: download.contentType,
        contentDisposition: contentDisposition(download.fileName),
      });
      // The redirect outlives nothing: a cached one would point at a URL that has expired.
      return reply.header('Cache-Control', 'private, no-store').redirect(url, 302);
    }

    reply
      .header('ETag', download.etag)
      .header('Last-Modified', info.modifiedAt.toUTCString())
      // private: a result belongs to the account that sent the image; shared caches keep out.
      .header('Cache-Control', `private, max-age=${Math.floor(remainingMs / 1000)}`)
      .header('Expires', download.expiresAt.toUTCString())
      .header('X-Content-Type-Options', 'nosniff')
      .header('Accept-Ranges', 'bytes');
    if (download.format === 'svg') reply.header('Content-Security-Policy', SVG_POLICY);
    if (notModified) return reply.code(304).send();

    let range: ByteRange | undefined;
    try {
      range = requestedRange(request, info.size, download.etag);
    } catch (error) {
      reply.header('Content-Range', `bytes */${info.size}`);
      throw error;
    }
    const blob = await deps.store.stream(download.blobKey, range);
    if (!blob) throw new SquishError('RESULT_EXPIRED');
    if (range) reply.code(206).header('Content-Range', `bytes ${range.start}-${range.end}/${info.size}`);
    return reply
      .type(download.contentType)
      .header('Content-Length', blob.size)
      .header('Content-Disposition', contentDisposition(download.fileName))
      .send(blob.body);
  });
}
