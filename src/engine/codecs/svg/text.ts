/**
 * Bytes to text for SVG: honours a byte-order mark or the XML declaration's encoding, as XML
 * parsers do, and refuses bytes that are not text in that encoding.
 */
import { SquishError } from '../../../errors/index.js';

function invalid(detail: string, cause?: unknown): SquishError {
  return new SquishError('INVALID_SVG', `The SVG document is not readable text: ${detail}.`, { cause });
}

/** The encoding an XML document declares in its first bytes, or undefined. */
function declaredEncoding(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 200)).toString('latin1');
  return /^(?:\uFEFF)?<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1];
}

/** An SVG file's text and the encoding it was read in. */
export interface SvgText {
  text: string;
  /** WHATWG encoding label used, lower-case ('utf-8' for most files). */
  encoding: string;
}

/**
 * Decodes an SVG file to a string (UTF-8 unless a BOM or the XML declaration says otherwise).
 * @throws SquishError INVALID_SVG on bytes that are not valid text in that encoding.
 */
export function decodeSvgText(bytes: Uint8Array): SvgText {
  let label = 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) label = 'utf-16le';
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) label = 'utf-16be';
  else label = declaredEncoding(bytes)?.toLowerCase() ?? 'utf-8';
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(label, { fatal: true });
  } catch (error) {
    throw invalid(`unsupported encoding "${label}"`, error);
  }
  try {
    const text = decoder.decode(bytes);
    if (text.includes('\u0000')) throw invalid('it contains NUL characters');
    return { text, encoding: decoder.encoding };
  } catch (error) {
    if (error instanceof SquishError) throw error;
    throw invalid(`bytes are not valid ${label}`, error);
  }
}
