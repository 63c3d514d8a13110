import { safeFileName } from '../../net/file-name.js';

/** Longest file name kept from an upload. */
const MAX_UPLOAD_NAME_LENGTH = 200;

/**
 * The file name of an uploaded part, made safe to put in a download path and a response: the
 * last path segment only (some clients send full paths), then {@link safeFileName}, at most 200
 * characters. kraken-node sends a random 40-hex name (B1.8), so no extension is assumed.
 */
export function safeUploadFileName(name: string | undefined): string {
  const lastSegment = (name ?? '').split(/[/\\]/).pop() ?? '';
  return safeFileName(lastSegment, MAX_UPLOAD_NAME_LENGTH);
}
