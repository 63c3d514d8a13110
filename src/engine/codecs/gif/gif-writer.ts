/**
 * Writes an animated GIF from palette-indexed frames: a plain container (no global palette, no
 * interlace, no extensions but the loop count) for intermediate results that gifsicle then
 * optimizes. Each frame carries its own palette and graphic control values.
 */
import { encodeLzw } from './lzw-encode.js';

/** One image of the animation, placed on the logical screen. */
export interface IndexedFrame {
  left: number;
  top: number;
  width: number;
  height: number;
  /** Packed RGB, 3 bytes per entry, 1 to 256 entries (padded to a power of two on writing). */
  palette: Uint8Array;
  /** width × height palette indices, row by row. */
  indices: Uint8Array;
  transparentIndex: number | undefined;
  /** Disposal method, 0 to 3. */
  disposal: number;
  delayCs: number;
}

export interface IndexedAnimation {
  width: number;
  height: number;
  /** NETSCAPE2.0 loop count (0 = forever); undefined writes no loop extension (play once). */
  loopCount: number | undefined;
  frames: IndexedFrame[];
}

/** The animation as GIF89a bytes. */
export function writeGif(animation: IndexedAnimation): Uint8Array {
  const parts: Uint8Array[] = [];
  const header = new Uint8Array(13);
  header.set([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]); // GIF89a
  setU16(header, 6, animation.width);
  setU16(header, 8, animation.height);
  // No global colour table; colour resolution 8 bits; background index 0; no aspect ratio.
  header[10] = 0x70;
  parts.push(header);
  if (animation.loopCount !== undefined) {
    const loop = new Uint8Array(19);
    loop.set([0x21, 0xff, 0x0b, ...asciiBytes('NETSCAPE2.0'), 0x03, 0x01]);
    setU16(loop, 16, animation.loopCount);
    parts.push(loop);
  }
  for (const frame of animation.frames) parts.push(...frameBlocks(frame));
  parts.push(Uint8Array.of(0x3b));
  return concat(parts);
}

function frameBlocks(frame: IndexedFrame): Uint8Array[] {
  const entries = frame.palette.length / 3;
  if (!Number.isInteger(entries) || entries < 1 || entries > 256) {
    throw new RangeError(`a GIF palette has 1 to 256 RGB entries, got ${frame.palette.length} bytes`);
  }
  // Palette sizes are powers of two from 2; the LZW code size is at least 2.
  let bitsPerIndex = 1;
  while (1 << bitsPerIndex < entries) bitsPerIndex++;
  const control = new Uint8Array(8);
  control.set([0x21, 0xf9, 0x04]);
  control[3] = ((frame.disposal & 0x07) << 2) | (frame.transparentIndex === undefined ? 0 : 1);
  setU16(control, 4, frame.delayCs);
  control[6] = frame.transparentIndex ?? 0;
  const descriptor = new Uint8Array(10 + 3 * (1 << bitsPerIndex));
  descriptor[0] = 0x2c;
  setU16(descriptor, 1, frame.left);
  setU16(descriptor, 3, frame.top);
  setU16(descriptor, 5, frame.width);
  setU16(descriptor, 7, frame.height);
  descriptor[9] = 0x80 | (bitsPerIndex - 1);
  descriptor.set(frame.palette, 10);
  return [control, descriptor, encodeLzw(frame.indices, Math.max(2, bitsPerIndex))];
}

function setU16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >> 8) & 0xff;
}

function asciiBytes(text: string): number[] {
  return [...text].map((char) => char.charCodeAt(0));
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
