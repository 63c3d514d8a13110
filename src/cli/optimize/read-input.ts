/**
 * Reads an input file under the engine's byte limit without ever holding more than the limit (plus
 * one byte) in memory: a 10 GB file is refused from its size, and a file that grows while it is
 * read is cut off at the limit and refused too.
 */
import { open } from 'node:fs/promises';

/** How many leading bytes identify any supported format (file-type reads at most this many). */
const HEAD_BYTES = 4100;

export type InputRead =
  | { kind: 'ok'; data: Uint8Array }
  /** `head` is the start of the file, enough to tell its format. */
  | { kind: 'too-large'; size: number; head: Uint8Array };

/** Reads `path` when it is at most `maxBytes` long. I/O errors (missing, unreadable) are thrown as they are. */
export async function readInput(path: string, maxBytes: number): Promise<InputRead> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) {
      const head = new Uint8Array(Math.min(HEAD_BYTES, size));
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      return { kind: 'too-large', size, head: head.subarray(0, bytesRead) };
    }
    // One byte more than allowed tells a file that grew since the stat from one that did not.
    const buffer = new Uint8Array(Math.min(size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) return { kind: 'too-large', size: length, head: buffer.subarray(0, HEAD_BYTES) };
    return { kind: 'ok', data: buffer.subarray(0, length) };
  } finally {
    await handle.close();
  }
}
