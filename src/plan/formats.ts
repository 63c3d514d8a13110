/** The image formats Squish reads and writes. */
export const IMAGE_FORMATS = ['jpeg', 'png', 'gif', 'webp', 'avif', 'svg'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** Formats whose encoders keep transparency. */
export const ALPHA_FORMATS: ReadonlySet<ImageFormat> = new Set(['png', 'gif', 'webp', 'avif', 'svg']);
/** Formats whose encoders keep animation. */
export const ANIMATED_FORMATS: ReadonlySet<ImageFormat> = new Set(['gif', 'webp']);
