/**
 * The registry of Squish error codes. A code is public and stable: once released it keeps its
 * meaning and HTTP status, and a retired code is never reused. The compat layer maps these onto
 * Kraken's and Tinify's error shapes; the CLI prints them as they are.
 */
export const ERROR_CODES = {
  UNSUPPORTED_FORMAT: {
    status: 415,
    message: 'The input is not an image in a supported format (JPEG, PNG, GIF, WebP, AVIF, SVG).',
  },
  CORRUPT_IMAGE: { status: 422, message: 'The image data is corrupt or truncated and cannot be decoded.' },
  INVALID_SVG: { status: 422, message: 'The SVG document is not well-formed XML or is not an SVG.' },
  INPUT_TOO_LARGE: { status: 413, message: 'The input is larger than the byte limit.' },
  TOO_MANY_PIXELS: { status: 422, message: 'The image has more pixels than the limit allows.' },
  TOO_MANY_FRAMES: { status: 422, message: 'The image has more frames than the limit allows.' },
  OUTPUT_TOO_LARGE: { status: 422, message: 'The requested output dimensions exceed the limit.' },
  PROCESSING_TIMEOUT: { status: 422, message: 'Processing the image took longer than the time limit.' },
  MEMORY_LIMIT: { status: 422, message: 'Processing the image needed more memory than the limit allows.' },
  INVALID_OPTION: { status: 400, message: 'An option has an invalid value.' },
  INVALID_REQUEST: {
    status: 400,
    message: 'The request body is not valid JSON, form data or multipart data.',
  },
  UNAUTHORIZED: { status: 401, message: 'Unknown API key or wrong secret.' },
  ACCOUNT_SUSPENDED: { status: 403, message: 'This account has been suspended.' },
  NOT_FOUND: { status: 404, message: 'Nothing was found at this address.' },
  RESULT_EXPIRED: {
    status: 404,
    message: 'This result has expired and was deleted; optimize the image again.',
  },
  RANGE_NOT_SATISFIABLE: { status: 416, message: 'The requested byte range lies outside the result.' },
  DELIVERY_MODE_REQUIRED: { status: 422, message: 'You need to specify either callback_url or wait flag.' },
  QUOTA_EXCEEDED: { status: 429, message: 'The quota of this account is used up.' },
  URL_NOT_ALLOWED: {
    status: 400,
    message: 'The URL is not allowed: only http(s) URLs of public addresses can be fetched.',
  },
  FETCH_FAILED: { status: 400, message: 'The image could not be downloaded from the given URL.' },
  UNAVAILABLE: {
    status: 503,
    message: 'The service is shutting down, not ready or holding all the uploads it can; try again shortly.',
  },
  STORAGE_FULL: {
    status: 503,
    message: 'The service has no room left to store images; try again later.',
  },
  CODEC_FAILED: { status: 500, message: 'An image codec failed unexpectedly.' },
  INTERNAL: { status: 500, message: 'Internal error.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
