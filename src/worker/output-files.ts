/**
 * How a stored output is named and served: its download file name, Content-Type and ETag.
 */
import { createHash } from 'node:crypto';
import type { ImageFormat } from '../engine/index.js';
import {
  FORMAT_CONTENT_TYPE as CONTENT_TYPE,
  FORMAT_EXTENSION as EXTENSION,
  IMAGE_EXTENSIONS,
  FORMAT_NAME_EXTENSIONS as NAMES_FORMAT,
} from '../plan/index.js';

/**
 * The file name of an output: the source's name with the output format's extension
 * (photo.png as WebP → photo.webp; a name without an image extension gets one appended:
 * Kraken's clients often send 40-hex names without any). With `keepExtension` (Kraken
 * `convert.keep_extension`) a name that has an extension keeps it whatever the format.
 */
export function outputFileName(sourceName: string, format: ImageFormat, keepExtension = false): string {
  const name = sourceName.split(/[\\/]/).pop() || 'image';
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot).toLowerCase() : '';
  if (extension && (keepExtension || NAMES_FORMAT[format].includes(extension))) return name;
  const stem = IMAGE_EXTENSIONS.has(extension) ? name.slice(0, dot) : name;
  return stem + EXTENSION[format];
}

/** The Content-Type an output of this format is served with. */
export function contentTypeOf(format: ImageFormat): string {
  return CONTENT_TYPE[format];
}

/** A strong ETag of the bytes (quoted, as the header carries it). */
export function strongEtag(bytes: Uint8Array): string {
  return `"${createHash('sha256').update(bytes).digest('base64url')}"`;
}
