import { pipeline, type Readable, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Dispatcher } from 'undici';
import { SquishError } from '../errors/index.js';

/** The content codings a body may arrive in, and the stream that undoes each. */
const DECODERS: Readonly<Record<string, () => Transform>> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** A response body to read, decoded where the server coded it. */
export interface DecodedBody {
  body: Readable;
  /** The coding whose decoder failed (corrupt compressed data), once one has. */
  failedCoding(): string | undefined;
}

/**
 * The bytes a response stands for: its body, decoded as it streams when the server compressed it
 * although the request asked for `Accept-Encoding: identity`. S3 and the CDNs in front of it serve
 * an object stored compressed (SVG above all) with its stored `Content-Encoding`, whatever the
 * request asked for, because browsers decode it anyway; before, Squish took the compressed bytes
 * for the image and answered "not an image". The caller caps what it reads from the returned
 * stream, so a compression bomb stops at the cap like any large body.
 * @throws SquishError FETCH_FAILED for a coding other than gzip, deflate and br (or identity).
 */
export function decodedBody(response: Dispatcher.ResponseData): DecodedBody {
  const header = response.headers['content-encoding'];
  const codings = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  let failed: string | undefined;
  if (codings.length === 0) return { body: response.body, failedCoding: () => failed };
  // The pipeline hands an error of the body (a lost connection, the deadline) to every decoder as
  // well: only an error a decoder raised itself means corrupt data.
  const fromBody = new Set<unknown>();
  response.body.on('error', (error) => fromBody.add(error));
  const decoders = codings.reverse().map((coding) => {
    const create = DECODERS[coding];
    if (!create) {
      throw new SquishError(
        'FETCH_FAILED',
        `The server sent the image in a content coding Squish does not read (${coding}).`,
      );
    }
    const decoder = create();
    decoder.once('error', (error) => {
      if (!fromBody.has(error)) failed ??= coding;
    });
    return decoder;
  });
  // An error anywhere (a corrupt gzip stream, the connection lost) destroys every stream, and
  // reaches the reader through the last one; the callback has nothing left to do.
  const stages: [Readable, ...Transform[]] = [response.body, ...decoders];
  pipeline(stages, () => undefined);
  return { body: decoders[decoders.length - 1]!, failedCoding: () => failed };
}
