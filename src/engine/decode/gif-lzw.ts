/**
 * The LZW decompression of one GIF frame's image data (GIF89a, appendix F), to palette indices.
 *
 * Written here rather than taken from omggif because omggif's decoder never returns on some
 * corrupt streams: a code beyond the next free table slot makes its string table point back into
 * itself and its prefix walk loops forever (a 6-byte mutation of pil-dispose_bgnd.gif hangs it,
 * see test/fixtures/gif/lzw-cycle.gif). This one rejects such codes, as browsers do: decoding stops
 * at the first invalid code, and the pixels decoded so far are kept.
 */

const MAX_CODES = 4096;
const MAX_CODE_SIZE = 12;

/** Palette indices of a frame, in stream order (interlaced frames are not reordered here). */
export interface LzwResult {
  indices: Uint8Array;
  /** How many indices the stream really produced (fewer when truncated or corrupt). */
  decoded: number;
}

/**
 * Decodes the image data that starts at `start` (the LZW minimum code size byte) and whose
 * sub-blocks end before `end`, producing at most `pixelCount` indices.
 */
export function decodeLzw(bytes: Uint8Array, start: number, end: number, pixelCount: number): LzwResult {
  const minCodeSize = bytes[start]!;
  const data = joinSubBlocks(bytes, start + 1, end);
  // Room for one whole string past the end, so writes need no clipping; trimmed on return.
  const output = new Uint8Array(pixelCount + MAX_CODES);
  const clear = 1 << minCodeSize;
  const endOfInformation = clear + 1;

  // String table: each code is its prefix code plus one last byte; `first` and `length` let a
  // string be written straight into place, back to front, without a stack.
  const prefix = new Int16Array(MAX_CODES);
  const last = new Uint8Array(MAX_CODES);
  const first = new Uint8Array(MAX_CODES);
  const length = new Uint16Array(MAX_CODES);
  for (let code = 0; code < clear; code++) {
    last[code] = code;
    first[code] = code;
    length[code] = 1;
  }

  let codeSize = minCodeSize + 1;
  let nextCode = endOfInformation + 1;
  let previous = -1;
  let out = 0;
  let bitBuffer = 0;
  let bitCount = 0;
  let position = 0;

  while (out < pixelCount) {
    while (bitCount < codeSize && position < data.length) {
      bitBuffer |= data[position++]! << bitCount;
      bitCount += 8;
    }
    if (bitCount < codeSize) break; // data ran out
    const code = bitBuffer & ((1 << codeSize) - 1);
    bitBuffer >>>= codeSize;
    bitCount -= codeSize;

    if (code === clear) {
      codeSize = minCodeSize + 1;
      nextCode = endOfInformation + 1;
      previous = -1;
      continue;
    }
    if (code === endOfInformation) break;

    let emitted: number;
    if (previous === -1) {
      if (code >= clear) break; // the first code after a clear must be a literal
      emitted = code;
    } else if (code < nextCode) {
      emitted = code;
    } else if (code === nextCode && nextCode < MAX_CODES) {
      // The one code allowed before it is defined: previous string plus its own first byte.
      emitted = -1;
    } else {
      break; // corrupt: refers to a table slot that cannot exist yet
    }

    if (previous !== -1 && nextCode < MAX_CODES) {
      const firstByte = emitted === -1 ? first[previous]! : first[emitted]!;
      prefix[nextCode] = previous;
      last[nextCode] = firstByte;
      first[nextCode] = first[previous]!;
      length[nextCode] = length[previous]! + 1;
      if (emitted === -1) emitted = nextCode;
      nextCode++;
      if (nextCode === 1 << codeSize && codeSize < MAX_CODE_SIZE) codeSize++;
    }

    // Write the string back to front by walking its prefixes (each prefix is a smaller code
    // than its entry, so the walk always ends).
    const size = length[emitted]!;
    let walk = emitted;
    for (let at = out + size - 1; at >= out; at--) {
      output[at] = last[walk]!;
      walk = prefix[walk]!;
    }
    out += size;
    previous = emitted;
  }
  return { indices: output.subarray(0, pixelCount), decoded: Math.min(out, pixelCount) };
}

/** The payload of the data sub-blocks in [from, end), concatenated. */
function joinSubBlocks(bytes: Uint8Array, from: number, end: number): Uint8Array {
  const joined = new Uint8Array(end - from);
  let size = 0;
  let at = from;
  while (at < end) {
    const blockSize = bytes[at]!;
    if (blockSize === 0) break;
    const blockEnd = Math.min(at + 1 + blockSize, end);
    joined.set(bytes.subarray(at + 1, blockEnd), size);
    size += blockEnd - at - 1;
    at = blockEnd;
  }
  return joined.subarray(0, size);
}
