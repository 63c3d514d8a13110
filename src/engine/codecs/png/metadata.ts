/**
 * Which PNG chunks survive optimization: the ones that decide what the image looks like.
 * Everything else (text, time, physical size, background colour, private chunks) is dropped
 * unread, so a compressed text "bomb" is never inflated.
 */
import { inflateSync } from 'node:zlib';
import { SquishError } from '../../../errors/index.js';
import type { AppearanceMetadata } from '../../../plan/index.js';
import { isCritical, type PngChunk } from './chunks.js';
import { orientationExif, readOrientation } from './exif-orientation.js';

/** Chunks that carry pixels or their meaning. */
const PIXEL_CHUNKS = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND', 'tRNS']);
/** Colour-space chunks: without them the same samples display differently. */
const COLOUR_CHUNKS = new Set(['sRGB', 'gAMA', 'cHRM', 'cICP', 'mDCV', 'cLLI']);
/** APNG animation chunks: dropping them would silently turn an animation into a still. */
const ANIMATION_CHUNKS = new Set(['acTL', 'fcTL', 'fdAT']);

/** Largest ICC profile accepted; real profiles are a few KB to ~1 MB, more is a bomb. */
export const MAX_ICC_BYTES = 4 * 1024 * 1024;

export interface SelectedChunks {
  chunks: PngChunk[];
  /** What was removed or changed, for the user. */
  notes: string[];
}

/**
 * Keeps pixel, colour-space and animation chunks, the ICC profile when `keep.icc` (if it inflates
 * to a sane size), and a minimal eXIf with only the orientation when `keep.orientation` and it is
 * not 1. Input order is kept, so every chunk stays where the PNG spec wants it.
 * @throws SquishError UNSUPPORTED_FORMAT on an unknown critical chunk (no decoder could show it).
 */
export function selectChunks(chunks: readonly PngChunk[], keep: AppearanceMetadata): SelectedChunks {
  const kept: PngChunk[] = [];
  const dropped = new Set<string>();
  const notes: string[] = [];
  for (const chunk of chunks) {
    const { type } = chunk;
    if (PIXEL_CHUNKS.has(type) || COLOUR_CHUNKS.has(type) || ANIMATION_CHUNKS.has(type)) {
      kept.push(chunk);
    } else if (isCritical(type)) {
      throw new SquishError('UNSUPPORTED_FORMAT', `The PNG uses an unknown critical chunk (${type}).`);
    } else if (type === 'iCCP' && keep.icc) {
      const problem = iccProblem(chunk.data);
      if (problem) notes.push(`ICC profile dropped: ${problem}`);
      else kept.push(chunk);
    } else if (type === 'eXIf' && keep.orientation) {
      const orientation = readOrientation(chunk.data);
      if (orientation !== undefined && orientation !== 1) {
        kept.push({ type, data: orientationExif(orientation) });
      } else {
        dropped.add(type);
      }
    } else {
      dropped.add(type);
    }
  }
  if (dropped.size > 0) notes.unshift(`metadata removed: ${[...dropped].join(', ')}`);
  return { chunks: kept, notes };
}

/**
 * Why an iCCP chunk cannot be kept, or undefined when it is fine. Inflates with a hard output cap,
 * so a profile that would decompress to gigabytes stops at MAX_ICC_BYTES.
 */
function iccProblem(data: Uint8Array): string | undefined {
  const nameEnd = data.indexOf(0);
  if (nameEnd < 1 || nameEnd > 79 || data[nameEnd + 1] !== 0) return 'malformed iCCP chunk';
  let profile: Buffer;
  try {
    profile = inflateSync(data.subarray(nameEnd + 2), { maxOutputLength: MAX_ICC_BYTES });
  } catch (error) {
    if (error instanceof RangeError) return `larger than ${MAX_ICC_BYTES} bytes once inflated`;
    return 'its compressed data is corrupt';
  }
  // An ICC header is 128 bytes and starts with the profile's own size.
  if (profile.length < 128 || profile.readUInt32BE(0) > profile.length) return 'not a valid ICC profile';
  return undefined;
}
