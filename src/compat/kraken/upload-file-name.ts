/**
 * The file name of an uploaded part, made safe to put in a download path and a response: the
 * last path segment only (some clients send full paths), ASCII letters, digits, dot, dash and
 * underscore (the same alphabet the URL fetcher uses for names), at most 200 characters, no
 * leading dots. kraken-node sends a random 40-hex name (B1.8), so no extension is assumed.
 */
export function safeUploadFileName(name: string | undefined): string {
  const lastSegment = (name ?? '').split(/[/\\]/).pop() ?? '';
  const cleaned = lastSegment
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents split off by NFKD: "é" becomes "e"
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(-200);
  return cleaned.length > 0 ? cleaned : 'image';
}
