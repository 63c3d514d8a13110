/**
 * Reads the block structure of a GIF (screen, palettes, frames, extensions) without decoding any
 * pixel. The engine uses it to check limits before decoding and the frame decoder uses it to know
 * each frame's own graphic control values.
 *
 * Why not omggif's parser: its `GifReader` carries a Graphic Control Extension over to every later
 * frame that has none (the spec scopes it to the next image only), throws on the valid Plain Text
 * extension, misreads application extensions whose block size is not 11, and does not clip frames
 * to the screen; its LZW decoder can loop forever on corrupt data (gif-lzw.ts), so none of it is
 * used at run time.
 */
import { SquishError } from '../../errors/index.js';

/** Disposal methods of the Graphic Control Extension (values 4 to 7 are reserved and act like 0). */
export const DISPOSAL = { unspecified: 0, keep: 1, background: 2, previous: 3 } as const;

/** One image of a GIF, located in the file's bytes. */
export interface GifFrameRecord {
  left: number;
  top: number;
  width: number;
  height: number;
  interlaced: boolean;
  /** Byte offset of the palette that applies (local, else global). */
  paletteOffset: number;
  /** Entries in that palette. */
  paletteEntries: number;
  /** Byte range of the image data: the LZW minimum code size byte up to and including the terminator. */
  dataStart: number;
  dataEnd: number;
  /** Delay after this frame, in hundredths of a second (0 when no control extension). */
  delayCs: number;
  /** Disposal method, 0 to 7. */
  disposal: number;
  /** Palette index drawn as transparent, when the frame has one. */
  transparentIndex: number | undefined;
}

/** An extension block other than graphic control, located in the file's bytes. */
export interface GifExtensionRecord {
  /** Extension label: 0xFE comment, 0xFF application, 0x01 plain text, ... */
  label: number;
  /** The 11-byte application identifier and authentication code, for application extensions. */
  application?: string;
  /** Byte range from the 0x21 introducer up to and including the block terminator. */
  start: number;
  end: number;
}

/** Application identifier of the extension that carries an ICC colour profile. */
export const ICC_APPLICATION = 'ICCRGBG1012';

export interface GifStructure {
  /** Logical screen size. */
  width: number;
  height: number;
  /** NETSCAPE2.0 / ANIMEXTS1.0 loop count (0 = forever); undefined when the extension is absent. */
  loopCount: number | undefined;
  frames: GifFrameRecord[];
  /** Comment extensions found (they never change how the image looks). */
  comments: number;
  /** Application and other extensions besides the loop extension and graphic control. */
  otherExtensions: number;
  /** Every extension except graphic control, in file order (the loop extension included). */
  extensions: GifExtensionRecord[];
  /** Whether an ICCRGBG1012 application extension embeds a colour profile. */
  hasIccProfile: boolean;
  /** False when the file ends without its trailer byte (0x3B) after complete frames. */
  hasTrailer: boolean;
}

const EXTENSION = 0x21;
const IMAGE = 0x2c;
const TRAILER = 0x3b;
const GRAPHIC_CONTROL = 0xf9;
const COMMENT = 0xfe;
const APPLICATION = 0xff;

/**
 * Parses the structure of a GIF.
 * @throws SquishError CORRUPT_IMAGE when the signature is wrong, a block is malformed, the data is
 * truncated inside a frame, or there is no frame at all.
 */
export function parseGifStructure(bytes: Uint8Array): GifStructure {
  const reader = new ByteReader(bytes);
  const signature = String.fromCharCode(...reader.take(6));
  if (signature !== 'GIF87a' && signature !== 'GIF89a') throw corrupt('not a GIF signature');
  const width = reader.u16();
  const height = reader.u16();
  const screenFlags = reader.u8();
  reader.skip(2); // background index, pixel aspect ratio
  if (width === 0 || height === 0) throw corrupt('logical screen of zero size');
  let globalPalette: { offset: number; entries: number } | undefined;
  if (screenFlags & 0x80) {
    const entries = 2 << (screenFlags & 0x07);
    globalPalette = { offset: reader.position, entries };
    reader.skip(entries * 3);
  }

  const structure: GifStructure = {
    width,
    height,
    loopCount: undefined,
    frames: [],
    comments: 0,
    otherExtensions: 0,
    extensions: [],
    hasIccProfile: false,
    hasTrailer: false,
  };
  // A Graphic Control Extension applies to the next image only.
  let control: { delayCs: number; disposal: number; transparentIndex: number | undefined } | undefined;

  while (!reader.atEnd()) {
    const introducer = reader.u8();
    if (introducer === TRAILER) {
      structure.hasTrailer = true;
      break;
    }
    if (introducer === EXTENSION) {
      const start = reader.position - 1;
      const label = reader.u8();
      const blocks = reader.subBlocks();
      if (label !== GRAPHIC_CONTROL) {
        const application =
          label === APPLICATION && blocks[0] ? String.fromCharCode(...blocks[0]) : undefined;
        structure.extensions.push({ label, application, start, end: reader.position });
        if (application === ICC_APPLICATION) structure.hasIccProfile = true;
      }
      if (label === GRAPHIC_CONTROL) {
        const body = blocks[0];
        if (!body || body.length < 4) throw corrupt('short graphic control extension');
        const flags = body[0]!;
        control = {
          delayCs: body[1]! | (body[2]! << 8),
          disposal: (flags >> 2) & 0x07,
          transparentIndex: flags & 0x01 ? body[3]! : undefined,
        };
      } else if (label === COMMENT) {
        structure.comments++;
      } else if (label === APPLICATION && isLoopExtension(blocks)) {
        const data = blocks[1]!;
        structure.loopCount = data[1]! | (data[2]! << 8);
      } else {
        structure.otherExtensions++;
      }
      continue;
    }
    if (introducer !== IMAGE) throw corrupt(`unknown block 0x${introducer.toString(16)}`);

    const left = reader.u16();
    const top = reader.u16();
    const frameWidth = reader.u16();
    const frameHeight = reader.u16();
    const flags = reader.u8();
    let palette = globalPalette;
    if (flags & 0x80) {
      const entries = 2 << (flags & 0x07);
      palette = { offset: reader.position, entries };
      reader.skip(entries * 3);
    }
    if (!palette) throw corrupt('frame without any colour table');
    const dataStart = reader.position;
    const minCodeSize = reader.u8();
    // Literal codes are palette indices, so 8 bits at most (the spec's range is 2 to 8; some
    // bilevel encoders write 1).
    if (minCodeSize < 1 || minCodeSize > 8) throw corrupt(`LZW minimum code size ${minCodeSize}`);
    reader.skipSubBlocks();
    structure.frames.push({
      left,
      top,
      width: frameWidth,
      height: frameHeight,
      interlaced: (flags & 0x40) !== 0,
      paletteOffset: palette.offset,
      paletteEntries: palette.entries,
      dataStart,
      dataEnd: reader.position,
      delayCs: control?.delayCs ?? 0,
      disposal: control?.disposal ?? DISPOSAL.unspecified,
      transparentIndex: control?.transparentIndex,
    });
    control = undefined;
  }
  if (structure.frames.length === 0) throw corrupt('no frame');
  return structure;
}

/** NETSCAPE2.0 (or its ANIMEXTS1.0 twin) with a loop sub-block: id 1, then a 16-bit count. */
function isLoopExtension(blocks: Uint8Array[]): boolean {
  const [id, data] = blocks;
  if (id?.length !== 11 || data === undefined || data.length < 3 || data[0] !== 1) return false;
  const name = String.fromCharCode(...id);
  return name === 'NETSCAPE2.0' || name === 'ANIMEXTS1.0';
}

function corrupt(detail: string): SquishError {
  return new SquishError('CORRUPT_IMAGE', `The GIF is corrupt or truncated (${detail}).`);
}

/** Bounds-checked cursor over the file: running past the end means the file is truncated. */
class ByteReader {
  position = 0;
  constructor(private readonly bytes: Uint8Array) {}

  atEnd(): boolean {
    return this.position >= this.bytes.length;
  }

  u8(): number {
    if (this.position >= this.bytes.length) throw corrupt('unexpected end of data');
    return this.bytes[this.position++]!;
  }

  u16(): number {
    return this.u8() | (this.u8() << 8);
  }

  take(count: number): Uint8Array {
    this.need(count);
    const out = this.bytes.subarray(this.position, this.position + count);
    this.position += count;
    return out;
  }

  skip(count: number): void {
    this.need(count);
    this.position += count;
  }

  /** Data sub-blocks up to the zero-length terminator, as views. */
  subBlocks(): Uint8Array[] {
    const blocks: Uint8Array[] = [];
    for (let size = this.u8(); size !== 0; size = this.u8()) blocks.push(this.take(size));
    return blocks;
  }

  skipSubBlocks(): void {
    for (let size = this.u8(); size !== 0; size = this.u8()) this.skip(size);
  }

  private need(count: number): void {
    if (this.position + count > this.bytes.length) throw corrupt('unexpected end of data');
  }
}
