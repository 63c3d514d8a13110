import type { Readable } from 'node:stream';
import type { PiecedBytes } from '../bytes/pieces.js';

/**
 * The blob store contract: where uploaded inputs and results live. Implementations: a local
 * folder (the default, `local-folder-store.ts`), a shared POSIX mount (the same class on
 * GlusterFS/NFS) and S3 (scale-out). Every implementation passes `test/store/conformance.ts`.
 *
 * Blobs are written once and never modified; keys are `/`-separated segments of
 * `[A-Za-z0-9._-]`, never `.` or `..` (see `assertBlobKey`).
 */
export interface BlobInfo {
  key: string;
  size: number;
  /** When the blob was written. */
  modifiedAt: Date;
}

/** What a presigned download URL answers with, besides the bytes. */
export interface PresignedGetOptions {
  /** Lifetime of the URL; the caller keeps it within the blob's own lifetime. */
  expiresInSeconds: number;
  /** The Content-Type the URL answers with. */
  contentType: string;
  /** The Content-Disposition the URL answers with (keeps the download's file name). */
  contentDisposition: string;
}

/** Bytes `start` to `end` of a blob, both included, as an HTTP Range counts them. */
export interface ByteRange {
  start: number;
  end: number;
}

/** A blob's bytes as a stream; `size` is how many bytes `body` yields. */
export interface BlobStream {
  body: Readable;
  size: number;
}

export interface PutOptions {
  contentType?: string;
  /**
   * false: the store may skip flushing the blob to stable storage before `put` resolves (a local
   * folder skips its two fsyncs; stores that are durable when a write returns, such as S3, ignore
   * it). Only for blobs nobody needs after a power loss, such as the upload of a `wait` job, whose
   * client holds the request and sends the image again if the node goes down. Default true.
   */
  durable?: boolean;
}

export interface BlobStore {
  /** "local", "s3", ...: shown in /readyz and logs. */
  readonly kind: string;
  /** Writes a blob atomically: readers see the whole blob or none. Overwrites an existing key. */
  put(key: string, data: PiecedBytes, options?: PutOptions): Promise<void>;
  /** The whole blob, or undefined when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * A stream of the blob, or of `range` of it (inside the blob: the caller checked it against the
   * blob's size), for downloads; undefined when there is no blob.
   */
  stream(key: string, range?: ByteRange): Promise<BlobStream | undefined>;
  /** Size and time of a blob, or undefined. */
  stat(key: string): Promise<BlobInfo | undefined>;
  /** Deletes a blob; deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Every blob under a key prefix (for the janitor's sweep of orphans). */
  list(prefix: string): AsyncIterable<BlobInfo>;
  /**
   * A short-lived URL that serves the blob straight from the store, signed so that nobody can
   * change what it names or answers. Present only on stores that can do it AND are configured to
   * answer downloads this way (S3 with `SQUISH_S3_PRESIGNED_DOWNLOADS=1`); the download route
   * then redirects instead of streaming the bytes through the API node. It does not check that
   * the blob exists.
   */
  readonly presignedGetUrl?: (key: string, options: PresignedGetOptions) => Promise<string>;
  /** Throws when the store cannot be reached or written (/readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Refuses keys that could escape the store's root or mean different things on different stores. */
export function assertBlobKey(key: string): void {
  const segments = key.split('/');
  for (const segment of segments) {
    if (!SEGMENT.test(segment) || segment === '.' || segment === '..') {
      throw new TypeError(`Invalid blob key ${JSON.stringify(key)}`);
    }
  }
}
