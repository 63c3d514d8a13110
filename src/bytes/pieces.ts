/**
 * Bytes held whole or in pieces. An upload stays in the pieces it arrived in from the socket: the
 * blob store writes them in one gathered write and the engine pool sends them to its process as
 * they are, so the server never copies a request's image into one array.
 */

/** One array, or pieces in order. */
export type PiecedBytes = Uint8Array | readonly Uint8Array[];

/** The pieces of `bytes`: the pieces themselves, or the one array as a single piece. */
export function piecesOf(bytes: PiecedBytes): readonly Uint8Array[] {
  return Array.isArray(bytes) ? (bytes as readonly Uint8Array[]) : [bytes as Uint8Array];
}

/** The length of `bytes`, whole or in pieces. */
export function byteLengthOf(bytes: PiecedBytes): number {
  let length = 0;
  for (const piece of piecesOf(bytes)) length += piece.byteLength;
  return length;
}

/** The bytes as one array: the array itself, or the pieces copied together. */
export function joinedBytes(bytes: PiecedBytes): Uint8Array {
  return Array.isArray(bytes) ? Buffer.concat(bytes as readonly Uint8Array[]) : (bytes as Uint8Array);
}
