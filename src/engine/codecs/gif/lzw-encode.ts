/**
 * LZW compression of one frame's palette indices into GIF image data (GIF89a, appendix F).
 *
 * Written here because the only GIF writer among our packages (omggif, a devDependency) writes
 * into a buffer the caller must size in advance, silently dropping bytes past its end. Its output
 * only has to be valid and reasonably small: gifsicle recompresses every frame afterwards.
 */

const MAX_CODES = 4096;
const MAX_CODE_SIZE = 12;
/** Open-addressing table of (prefix code, suffix index) → code; a power of two above 2 × 4096. */
const TABLE_SIZE = 1 << 13;
const SUB_BLOCK = 255;

/**
 * The image data of a frame: the LZW minimum code size byte, the codes in sub-blocks of at most
 * 255 bytes, and the block terminator. `indices` must be non-empty and each below 2^minCodeSize.
 */
export function encodeLzw(indices: Uint8Array, minCodeSize: number): Uint8Array {
  if (indices.length === 0) throw new RangeError('encodeLzw needs at least one index');
  const clear = 1 << minCodeSize;
  const endOfInformation = clear + 1;
  const keys = new Int32Array(TABLE_SIZE).fill(-1);
  const codes = new Int16Array(TABLE_SIZE);
  const bits = new BitWriter(indices.length);

  let codeSize = minCodeSize + 1;
  let next = endOfInformation + 1;
  bits.write(clear, codeSize);
  let current = indices[0]!;
  for (let i = 1; i < indices.length; i++) {
    const suffix = indices[i]!;
    const key = (current << 8) | suffix;
    let slot = hash(key);
    while (keys[slot] !== -1 && keys[slot] !== key) slot = (slot + 1) & (TABLE_SIZE - 1);
    if (keys[slot] === key) {
      current = codes[slot]!;
      continue;
    }
    bits.write(current, codeSize);
    if (next === MAX_CODES) {
      // Table full: start over rather than keep coding with a frozen table.
      bits.write(clear, codeSize);
      keys.fill(-1);
      codeSize = minCodeSize + 1;
      next = endOfInformation + 1;
    } else {
      // The decoder adds this entry one code later, so the width grows once `next` needs it.
      if (next >= 1 << codeSize && codeSize < MAX_CODE_SIZE) codeSize++;
      keys[slot] = key;
      codes[slot] = next++;
    }
    current = suffix;
  }
  bits.write(current, codeSize);
  bits.write(endOfInformation, codeSize);
  return subBlocks(minCodeSize, bits.bytes());
}

function hash(key: number): number {
  return Math.imul(key, 0x9e3779b1) >>> (32 - 13);
}

/** Codes packed least significant bit first, as GIF wants them. */
class BitWriter {
  private buffer: Uint8Array;
  private length = 0;
  private accumulator = 0;
  private pending = 0;

  constructor(pixels: number) {
    this.buffer = new Uint8Array(Math.max(64, pixels >> 1));
  }

  write(code: number, size: number): void {
    this.accumulator |= code << this.pending;
    this.pending += size;
    while (this.pending >= 8) {
      this.push(this.accumulator & 0xff);
      this.accumulator >>>= 8;
      this.pending -= 8;
    }
  }

  bytes(): Uint8Array {
    if (this.pending > 0) {
      this.push(this.accumulator & 0xff);
      this.accumulator = 0;
      this.pending = 0;
    }
    return this.buffer.subarray(0, this.length);
  }

  private push(byte: number): void {
    if (this.length === this.buffer.length) {
      const grown = new Uint8Array(this.buffer.length * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.length++] = byte;
  }
}

function subBlocks(minCodeSize: number, data: Uint8Array): Uint8Array {
  const blocks = Math.ceil(data.length / SUB_BLOCK);
  const out = new Uint8Array(1 + data.length + blocks + 1);
  out[0] = minCodeSize;
  let at = 1;
  for (let from = 0; from < data.length; from += SUB_BLOCK) {
    const chunk = data.subarray(from, from + SUB_BLOCK);
    out[at++] = chunk.length;
    out.set(chunk, at);
    at += chunk.length;
  }
  out[at] = 0;
  return out;
}
