/**
 * Pixel comparison for tests: images are compared by decoded pixels, never by bytes.
 */
import assert from 'node:assert/strict';
import sharp from 'sharp';

export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
  /** Bytes per sample: 1, or 2 for 16-bit inputs decoded at full depth. */
  depth: number;
}

/**
 * Decodes every frame (stacked vertically) to RGBA at the image's own bit depth, converted to sRGB
 * through the embedded profile as a viewer shows it: two encodings compare equal when they look
 * the same (the same pixels with and without a non-sRGB profile do not).
 */
export async function decodeRaw(bytes: Uint8Array): Promise<RawImage> {
  const meta = await sharp(bytes).metadata();
  const sixteen = meta.depth === 'ushort';
  let pipeline = sharp(bytes, { pages: -1, failOn: 'none', limitInputPixels: false }).ensureAlpha();
  if (sixteen) pipeline = pipeline.toColourspace('rgb16');
  const { data, info } = await pipeline.raw({ depth: sixteen ? 'ushort' : 'uchar' }).toBuffer({
    resolveWithObject: true,
  });
  return { data, width: info.width, height: info.height, channels: info.channels, depth: sixteen ? 2 : 1 };
}

/** Asserts that two encoded images decode to the same pixels (fully transparent pixels' colour ignored). */
export async function assertSamePixels(
  expected: Uint8Array,
  actual: Uint8Array,
  label = 'image',
): Promise<void> {
  const [a, b] = await Promise.all([decodeRaw(expected), decodeRaw(actual)]);
  assert.equal(b.width, a.width, `${label}: width`);
  assert.equal(b.height, a.height, `${label}: height`);
  const diff = countDifferentPixels(a, b);
  assert.equal(diff, 0, `${label}: ${diff} pixels differ`);
}

/** Number of pixels whose samples differ; pixels transparent in both are equal whatever their colour. */
export function countDifferentPixels(a: RawImage, b: RawImage): number {
  if (a.data.length !== b.data.length) {
    // Different bit depth: compare at 8 bits.
    return countDifferentPixels(to8bit(a), to8bit(b));
  }
  const stride = a.channels * a.depth;
  const alphaOffset = (a.channels - 1) * a.depth;
  let diff = 0;
  for (let i = 0; i < a.data.length; i += stride) {
    const transparent = isTransparent(a, i + alphaOffset) && isTransparent(b, i + alphaOffset);
    if (transparent) continue;
    for (let j = 0; j < stride; j++) {
      if (a.data[i + j] !== b.data[i + j]) {
        diff++;
        break;
      }
    }
  }
  return diff;
}

/** Whether the alpha sample starting at `offset` is zero (8 or 16 bits). */
function isTransparent(image: RawImage, offset: number): boolean {
  return image.data[offset] === 0 && (image.depth === 1 || image.data[offset + 1] === 0);
}

function to8bit(image: RawImage): RawImage {
  if (image.depth === 1) return image;
  const out = Buffer.alloc(image.data.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = image.data.readUInt16LE(i * 2) >> 8;
  return { ...image, data: out, depth: 1 };
}
