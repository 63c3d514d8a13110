/** Longest file name kept; longer names keep their extension and lose the end of the stem. */
const MAX_LENGTH = 100;

/**
 * A safe download file name from the last path segment of a URL: percent-decoded, every run of
 * characters outside `[A-Za-z0-9._-]` replaced by `_`, at most 100 characters; "image" when
 * nothing usable remains (no path, only dots or underscores).
 */
export function fileNameFromUrl(url: URL): string {
  const segment = url.pathname.split('/').pop() ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    decoded = segment;
  }
  let name = decoded.replace(/[^A-Za-z0-9._-]+/g, '_');
  if (!/[A-Za-z0-9]/.test(name)) return 'image';
  if (name.length > MAX_LENGTH) {
    const dot = name.lastIndexOf('.');
    const extension = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : '';
    name = name.slice(0, MAX_LENGTH - extension.length) + extension;
  }
  return name;
}
