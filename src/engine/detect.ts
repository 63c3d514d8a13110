/**
 * Format detection from the bytes alone, never from a file name or a Content-Type header.
 */
import { fileTypeFromBuffer } from 'file-type';
import type { ImageFormat } from './types.js';

const MIME_TO_FORMAT: Record<string, ImageFormat> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/apng': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
};

/** The image format of `bytes`, or undefined when it is none Squish reads. */
export async function detectFormat(bytes: Uint8Array): Promise<ImageFormat | undefined> {
  const type = await fileTypeFromBuffer(bytes);
  if (type) {
    // file-type calls some SVG documents "application/xml"; those fall through to the SVG sniff.
    const format = MIME_TO_FORMAT[type.mime];
    if (format) return format;
    if (type.mime !== 'application/xml') return undefined;
  }
  return looksLikeSvg(bytes) ? 'svg' : undefined;
}

/** How far into a document the root element may start (after the prolog, comments and DOCTYPE). */
const SVG_SNIFF_BYTES = 64 * 1024;

/**
 * Whether the document's root element is <svg> (optionally namespace-prefixed). file-type does not
 * identify SVG, and no maintained sniffing library skips a prolog with comments and an internal
 * DOCTYPE subset (Illustrator writes both), so this small scanner does. It does not validate XML.
 */
export function looksLikeSvg(bytes: Uint8Array): boolean {
  let text = new TextDecoder(bomEncoding(bytes), { fatal: false }).decode(bytes.subarray(0, SVG_SNIFF_BYTES));
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith('<?', i)) i = skipPast(text, i, '?>');
    else if (text.startsWith('<!--', i)) i = skipPast(text, i, '-->');
    else if (text.startsWith('<!DOCTYPE', i) || text.startsWith('<!doctype', i)) i = skipDoctype(text, i);
    else return /^<(?:[A-Za-z_][\w.-]*:)?svg[\s/>]/.test(text.slice(i, i + 64));
    if (i < 0) return false;
  }
  return false;
}

/** UTF-16 documents announce themselves with a byte-order mark; everything else is read as UTF-8. */
function bomEncoding(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

function skipPast(text: string, from: number, end: string): number {
  const at = text.indexOf(end, from);
  return at < 0 ? -1 : at + end.length;
}

/** Skips `<!DOCTYPE ... [ internal subset ] >`, where the subset may itself contain '>'. */
function skipDoctype(text: string, from: number): number {
  const bracket = text.indexOf('[', from);
  const close = text.indexOf('>', from);
  if (close < 0) return -1;
  if (bracket < 0 || bracket > close) return close + 1;
  const subsetEnd = text.indexOf(']', bracket);
  return subsetEnd < 0 ? -1 : skipPast(text, subsetEnd, '>');
}
