/**
 * Reads a Kraken multipart upload part by part (B1.2): the options from the part named `data`
 * (else `body`), the image from the first other part. When the options come before the image
 * (every official client), `prepare` runs before the image is read, so a wrong key or a bad
 * option is refused without receiving the file; when they come after it, the image is held in
 * memory (bounded by the upload limit) until they arrive.
 */
import type { Multipart, MultipartFile } from '@fastify/multipart';
import type { UploadHold } from '../../api/upload-memory.js';
import { byteLengthOf, type PiecedBytes } from '../../bytes/pieces.js';
import { SquishError } from '../../errors/index.js';
import { type JsonObjectParser, OPTIONS_PART_NAMES } from './body-parsers.js';
import { KRAKEN_MESSAGES } from './error-body.js';
import { isPlainObject } from './lenient-values.js';
import { safeUploadFileName } from './upload-file-name.js';

export interface UploadedImage {
  /** The image in the pieces it arrived in (see bytes/pieces.ts). */
  bytes: PiecedBytes;
  fileName: string;
}

/** Part names that say "the file" rather than naming it; the upload then has no name of its own. */
const GENERIC_PART_NAMES = new Set(['file', 'upload', 'image']);

/**
 * Consumes every part of the upload and returns what `prepare` made of the options with the image.
 * `hold` is charged with each piece of the image as it arrives (api/upload-memory.ts).
 * @throws SquishError INVALID_REQUEST when the options or the image are missing, UNAVAILABLE
 *   when `hold` cannot take more, and whatever `prepare` throws.
 */
export async function readMultipartUpload<T>(
  parts: AsyncIterable<Multipart>,
  parseJson: JsonObjectParser,
  prepare: (options: Record<string, unknown>) => Promise<T>,
  hold: UploadHold,
): Promise<{ prepared: T; image: UploadedImage }> {
  const optionParts = new Map<string, unknown>();
  let prepared: { value: T } | undefined;
  let image: UploadedImage | undefined;
  const options = () => {
    const raw = OPTIONS_PART_NAMES.map((name) => optionParts.get(name)).find((value) => value !== undefined);
    if (raw === undefined) return undefined;
    // A part typed application/json arrives parsed (kraken-java); the others are JSON text.
    if (isPlainObject(raw)) return raw;
    if (typeof raw === 'string') return parseJson(raw);
    throw new SquishError('INVALID_REQUEST', KRAKEN_MESSAGES.invalidJson);
  };

  for await (const part of parts) {
    if (part.type === 'field') {
      if (part.valueTruncated) throw new SquishError('INVALID_REQUEST', 'The options part is too large.');
      // Only the options parts are kept (and counted against the upload memory); any other field
      // is dropped as it arrives, not held until the end of the upload.
      if (!isOptionsPart(part.fieldname) || optionParts.has(part.fieldname)) continue;
      hold.take(typeof part.value === 'string' ? part.value.length : JSON.stringify(part.value).length);
      optionParts.set(part.fieldname, part.value);
      continue;
    }
    if (image) {
      part.file.resume(); // only the first image counts; the others are read and dropped
      continue;
    }
    const early = options();
    if (early && !prepared) prepared = { value: await prepare(early) };
    const name = part.filename || (GENERIC_PART_NAMES.has(part.fieldname) ? '' : part.fieldname);
    image = { bytes: await readPieces(part, hold), fileName: safeUploadFileName(name) };
  }

  const late = prepared ? undefined : options();
  if (!prepared && !late) throw new SquishError('INVALID_REQUEST', KRAKEN_MESSAGES.invalidJson);
  if (!image || byteLengthOf(image.bytes) === 0) {
    throw new SquishError(
      'INVALID_REQUEST',
      'The upload has no image: send the file as a multipart part (named `file`) beside the `data` options part.',
    );
  }
  return { prepared: prepared ? prepared.value : await prepare(late!), image };
}

/** Whether a field carries the options (the other fields are dropped). */
function isOptionsPart(name: string): boolean {
  return (OPTIONS_PART_NAMES as readonly string[]).includes(name);
}

/**
 * The file part's data in the pieces the parser gave, not joined into one buffer (the part's
 * `toBuffer()`): the store writes them and the engine pool sends them as they are, and an
 * upload copied once more per request was the largest allocation left in the server, each
 * megabyte of which brought V8's next full collection closer. Each piece is charged to `hold`.
 * @throws SquishError INPUT_TOO_LARGE when the part passed the upload limit (the parser cut it),
 *   UNAVAILABLE when `hold` cannot take a piece
 */
async function readPieces(part: MultipartFile, hold: UploadHold): Promise<Uint8Array[]> {
  const pieces: Uint8Array[] = [];
  for await (const piece of part.file) {
    hold.take((piece as Uint8Array).length);
    pieces.push(piece as Uint8Array);
  }
  if (part.file.truncated) throw new SquishError('INPUT_TOO_LARGE');
  return pieces;
}
