/** Longest file name kept from a URL; longer names keep their extension and lose the end of the stem. */
const MAX_URL_NAME_LENGTH = 100;
/** An extension is the part after the last dot, when it is this short and holds a letter or digit. */
const MAX_EXTENSION_LENGTH = 10;

/**
 * A file name safe in a download path, a header and a response, from what a client or a URL
 * called the image: accents dropped ("café" becomes "cafe"), every run of other characters outside
 * `[A-Za-z0-9._-]` replaced by `_`, no leading dots or underscores, at most `maxLength` characters
 * with the extension kept. A stem with nothing usable left becomes "image": "фото.jpg" is
 * "image.jpg" (it was "jpg", then given the output's extension: "jpg.jpg").
 */
export function safeFileName(raw: string, maxLength: number): string {
  const ascii = raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // the accents NFKD split off
    .replace(/[^A-Za-z0-9._-]+/g, '_');
  const dot = ascii.lastIndexOf('.');
  const extension =
    dot > 0 && ascii.length - dot <= MAX_EXTENSION_LENGTH && /[A-Za-z0-9]/.test(ascii.slice(dot))
      ? ascii.slice(dot)
      : '';
  let stem = (extension ? ascii.slice(0, dot) : ascii).replace(/^[._]+/, '');
  if (!/[A-Za-z0-9]/.test(stem)) stem = 'image';
  return stem.slice(0, Math.max(1, maxLength - extension.length)) + extension;
}

/**
 * A safe download file name from the last path segment of a URL, percent-decoded (see
 * {@link safeFileName}), at most 100 characters.
 */
export function fileNameFromUrl(url: URL): string {
  const segment = url.pathname.split('/').pop() ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    decoded = segment;
  }
  return safeFileName(decoded, MAX_URL_NAME_LENGTH);
}
