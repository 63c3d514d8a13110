/** The image formats Squish reads and writes. */
export const IMAGE_FORMATS = ['jpeg', 'png', 'gif', 'webp', 'avif', 'svg'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** Formats whose encoders keep transparency. */
export const ALPHA_FORMATS: ReadonlySet<ImageFormat> = new Set(['png', 'gif', 'webp', 'avif', 'svg']);
/** Formats whose encoders keep animation. */
export const ANIMATED_FORMATS: ReadonlySet<ImageFormat> = new Set(['gif', 'webp']);

/** The extension an output of each format is written with. */
export const FORMAT_EXTENSION: Readonly<Record<ImageFormat, string>> = Object.freeze({
  jpeg: '.jpg',
  png: '.png',
  gif: '.gif',
  webp: '.webp',
  avif: '.avif',
  svg: '.svg',
});

/** The media type of each format, as served over HTTP. */
export const FORMAT_CONTENT_TYPE: Readonly<Record<ImageFormat, string>> = Object.freeze({
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
});

/** Extensions that already name each format: a file name with one of them keeps it (photo.jpeg stays). */
export const FORMAT_NAME_EXTENSIONS: Readonly<Record<ImageFormat, readonly string[]>> = Object.freeze({
  jpeg: ['.jpg', '.jpeg', '.jpe', '.jfif'],
  png: ['.png'],
  gif: ['.gif'],
  webp: ['.webp'],
  avif: ['.avif'],
  svg: ['.svg'],
});

/**
 * Extensions of image formats (ours and others'), replaced when an output changes format; any
 * other extension is kept and the new one appended (scan.001 → scan.001.webp).
 */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  ...Object.values(FORMAT_NAME_EXTENSIONS).flat(),
  '.apng',
  '.tif',
  '.tiff',
  '.bmp',
  '.heic',
  '.heif',
  '.jxl',
]);
