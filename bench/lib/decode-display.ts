/**
 * Decoders that give the pixels a viewer would show: EXIF orientation applied and the embedded
 * ICC profile converted to sRGB, so that a "lossless" output that dropped either is caught.
 */
import sharp from 'sharp';
import type { RgbImage } from '../../src/engine/metric/ssimulacra2.js';

/** RGBA samples at the image's own depth (2 bytes per sample for 16-bit inputs). */
export interface RgbaImage {
  data: Uint8Array;
  width: number;
  height: number;
  /** Bytes per sample. */
  depth: 1 | 2;
}

const DECODE_OPTIONS = { autoOrient: true, failOn: 'none', limitInputPixels: false } as const;

/** Decodes the first frame to RGBA at native depth (16-bit PNGs stay 16-bit). */
export async function decodeRgba(bytes: Uint8Array): Promise<RgbaImage> {
  const meta = await sharp(bytes, DECODE_OPTIONS).metadata();
  const sixteen = meta.depth === 'ushort';
  const pipeline = sharp(bytes, DECODE_OPTIONS)
    .toColourspace(sixteen ? 'rgb16' : 'srgb')
    .ensureAlpha();
  const { data, info } = await pipeline
    .raw({ depth: sixteen ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) throw new Error(`expected 4 channels, decoded ${info.channels}`);
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    ...size(info),
    depth: sixteen ? 2 : 1,
  };
}

/** Decodes the first frame to 8-bit RGB with alpha flattened on white, as SSIMULACRA2 is measured. */
export async function decodeRgbOnWhite(bytes: Uint8Array, density?: number): Promise<RgbImage> {
  const { data, info } = await sharp(bytes, { ...DECODE_OPTIONS, ...(density ? { density } : {}) })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), ...size(info) };
}

/**
 * Renders an SVG with librsvg so that its longer side is `longest` pixels, then scales it to exactly
 * `fit` when given (so two renderings of the same drawing can be compared pixel for pixel).
 */
export async function renderSvg(
  bytes: Uint8Array,
  longest: number,
  fit?: { width: number; height: number },
): Promise<RgbImage> {
  const meta = await sharp(bytes, DECODE_OPTIONS).metadata();
  const side = Math.max(meta.width ?? longest, meta.height ?? longest, 1);
  // librsvg renders at 72 dpi by default; scale the density so the drawing is rasterised at size.
  const density = Math.min(100_000, Math.max(1, (72 * longest) / side));
  const rendered = await sharp(bytes, { ...DECODE_OPTIONS, density })
    .png()
    .toBuffer();
  // Both renderings of a pair are scaled by the same operation (an exact width x height), because
  // libvips' uniform 'inside' scale and its per-axis 'fill' scale resample thin lines differently
  // enough to score a document against itself at 59.
  const target = fit ?? (await insideSize(rendered, longest));
  const scaled = await sharp(rendered).resize(target.width, target.height, { fit: 'fill' }).png().toBuffer();
  return decodeRgbOnWhite(scaled);
}

/** The size of `image` scaled to fit inside `longest` x `longest`, keeping its aspect ratio. */
async function insideSize(image: Uint8Array, longest: number): Promise<{ width: number; height: number }> {
  const meta = await sharp(image).metadata();
  const width = meta.width ?? longest;
  const height = meta.height ?? longest;
  const scale = longest / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Flattens RGBA (8-bit) on white into RGB. */
export function rgbaOnWhite(rgba: Uint8Array, width: number, height: number): RgbImage {
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0, q = 0; p < rgba.length; p += 4, q += 3) {
    const alpha = rgba[p + 3]!;
    for (let c = 0; c < 3; c++) {
      rgb[q + c] = Math.round((rgba[p + c]! * alpha + 255 * (255 - alpha)) / 255);
    }
  }
  return { data: rgb, width, height };
}

/** The centre `side`×`side` region (or less, where the image is narrower). */
export function centreCrop(image: RgbImage, side: number): RgbImage {
  const width = Math.min(side, image.width);
  const height = Math.min(side, image.height);
  const left = Math.floor((image.width - width) / 2);
  const top = Math.floor((image.height - height) / 2);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * 3;
    data.set(image.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { data, width, height };
}

function size(info: { width: number; height: number }): { width: number; height: number } {
  return { width: info.width, height: info.height };
}
