import type { FastifyInstance } from 'fastify';
import type { SquishDatabase } from '../db/database.js';
import { SquishError } from '../errors/index.js';
import type { BlobStore } from '../store/blob-store.js';

/** Tokens are 32 hex (JobOutput.token); anything else cannot exist, so no database query for it. */
const TOKEN = /^[0-9a-f]{32}$/;

/**
 * No script may run in a served SVG, even one a sanitizer missed: the document is opened from
 * our origin. Inline styles and data: images are what optimized SVGs legitimately use.
 */
const SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

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
 * GET /dl/:token/:name serves a stored result, read in place from the blob store. The token is
 * unguessable (128 random bits); the name must be the result's own. A result past its expiry, or
 * whose blob the janitor already deleted, answers 404 RESULT_EXPIRED, so a user can tell "too
 * late" from "wrong address".
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

    reply
      .header('ETag', download.etag)
      .header('Last-Modified', info.modifiedAt.toUTCString())
      // private: a result belongs to the account that sent the image; shared caches keep out.
      .header('Cache-Control', `private, max-age=${Math.floor(remainingMs / 1000)}`)
      .header('Expires', download.expiresAt.toUTCString())
      .header('X-Content-Type-Options', 'nosniff');
    if (download.format === 'svg') reply.header('Content-Security-Policy', SVG_POLICY);
    if (matchesEtag(request.headers['if-none-match'], download.etag)) return reply.code(304).send();

    const blob = await deps.store.stream(download.blobKey);
    if (!blob) throw new SquishError('RESULT_EXPIRED');
    return reply
      .type(download.contentType)
      .header('Content-Length', blob.size)
      .header('Content-Disposition', contentDisposition(download.fileName))
      .send(blob.body);
  });
}
