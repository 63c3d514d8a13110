/**
 * The request envelopes Kraken's clients send (B1.2), registered inside the Kraken plugin only:
 * - JSON (every client's /v1/url and /user_status), and any body with another or no content
 *   type, read as JSON too (curl users and odd clients);
 * - application/x-www-form-urlencoded with the options JSON in a `data` field (kraken-magento);
 * - multipart/form-data for /v1/upload, read part by part by the route (see multipart-upload.ts).
 * JSON and form bodies become the options object itself, so routes see one shape.
 */
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { SquishError } from '../../errors/index.js';
import { KRAKEN_MESSAGES } from './error-body.js';
import { isPlainObject } from './lenient-values.js';

/** Parses JSON text that must hold an object. @throws SquishError INVALID_REQUEST (Kraken's message). */
export type JsonObjectParser = (text: string) => Record<string, unknown>;

/** The multipart part names that carry the options JSON, in order of preference (B1.2). */
export const OPTIONS_PART_NAMES = ['data', 'body'] as const;

/** Most multipart parts one upload may have: the options, the image, and some slack for extra fields. */
const MAX_PARTS = 20;
/** Largest options part: a Kraken options object is a few kilobytes. */
const MAX_OPTIONS_BYTES = 1024 * 1024;

/**
 * A JSON parser that refuses `__proto__` and `constructor.prototype` keys (Fastify's own secure
 * parser), for bodies and for the JSON inside form fields and multipart parts.
 */
export function jsonObjectParser(fastify: FastifyInstance): JsonObjectParser {
  const secureParse = fastify.getDefaultJsonParser('error', 'error');
  return (text) => {
    let parsed: unknown;
    let failed = false;
    secureParse({} as never, text, (error, value) => {
      failed = error !== null;
      parsed = value;
    });
    if (failed || !isPlainObject(parsed))
      throw new SquishError('INVALID_REQUEST', KRAKEN_MESSAGES.invalidJson);
    return parsed;
  };
}

/** Registers the three envelopes on `fastify` (an encapsulated context: the rest of the server keeps its own parsers). */
export async function registerKrakenBodyParsers(
  fastify: FastifyInstance,
  parseJson: JsonObjectParser,
  maxUploadBytes: number,
): Promise<void> {
  const asJson = (_request: unknown, body: string, done: (error: Error | null, value?: unknown) => void) => {
    try {
      done(null, parseJson(body));
    } catch (error) {
      done(error as Error);
    }
  };
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, asJson);
  fastify.addContentTypeParser('*', { parseAs: 'string' }, asJson);
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      // The WHATWG parser built into Node: only the one `data` field matters, so a second plugin
      // (@fastify/formbody) would add nothing but another object shape to handle.
      const data = new URLSearchParams(body as string).get('data');
      if (data === null) {
        done(new SquishError('INVALID_REQUEST', KRAKEN_MESSAGES.invalidJson));
        return;
      }
      asJson(_request, data, done);
    },
  );
  await fastify.register(fastifyMultipart, {
    limits: {
      fileSize: maxUploadBytes,
      fieldSize: MAX_OPTIONS_BYTES,
      parts: MAX_PARTS,
      files: MAX_PARTS,
      fields: MAX_PARTS,
    },
    // Every part that is not the options is image data, with or without a filename: kraken-java
    // and kraken-go name it `upload`, kraken-net uses the file's name as the part name (B1.2).
    isPartAFile: (fieldName) => !(OPTIONS_PART_NAMES as readonly (string | undefined)[]).includes(fieldName),
  });
}
