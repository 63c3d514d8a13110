import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { joinedBytes, type PiecedBytes } from '../bytes/pieces.js';
import { SquishError } from '../errors/index.js';
import {
  assertBlobKey,
  type BlobInfo,
  type BlobStore,
  type BlobStream,
  type ByteRange,
  type PresignedGetOptions,
  type PutOptions,
} from './blob-store.js';
import type { S3Location } from './s3-location.js';

/** Options of {@link S3BlobStore}. */
export interface S3BlobStoreOptions extends S3Location {
  /** Explicit keys; without them the SDK's standard chain (AWS_ACCESS_KEY_ID, profiles, ...) applies. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Answer downloads by redirect to a presigned URL (`SQUISH_S3_PRESIGNED_DOWNLOADS`). */
  presignedDownloads?: boolean;
  /** Keys per ListObjectsV2 page (default and S3's maximum: 1000); tests lower it to page. */
  listPageSize?: number;
}

/** A connection that does not open in this time is a store that is down. */
const CONNECT_TIMEOUT_MS = 5_000;
/** A request idle this long (no byte either way) is abandoned and retried by the SDK. */
const IDLE_TIMEOUT_MS = 30_000;
/** Keys with `~` are never blob keys, so the probe of `ping` can never collide with or be listed as a blob. */
const PING_KEY = 'ping~';
/** What a list prefix may end with after its last `/`: the start of a key segment. */
const PARTIAL_SEGMENT = /^[A-Za-z0-9._-]*$/;

/**
 * A blob store in an S3 bucket (any S3 API: AWS, Ceph radosgw, MinIO), for API nodes and workers
 * on several machines. Blobs are objects under the location's key prefix; a PUT of an object is
 * atomic, so readers see the whole old or the whole new blob. Nothing is kept in memory.
 *
 * A missing key answers undefined; any other failure (refused credentials, a missing bucket, an
 * unreachable server) throws SquishError UNAVAILABLE (503, so jobs retry) with the SDK's error as
 * its cause, or STORAGE_FULL (503 too) when the server has no room for a write (a quota). A HEAD
 * answer carries no error body, so `stat` reads any 404 as a missing key.
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  readonly presignedGetUrl?: (key: string, options: PresignedGetOptions) => Promise<string>;
  private readonly client: S3Client;
  /** Signs download URLs for the address clients use (the same client without a public endpoint). */
  private readonly presignClient: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly listPageSize: number;

  constructor(options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix;
    this.listPageSize = options.listPageSize ?? 1000;
    this.client = s3Client(options, options.endpoint);
    this.presignClient =
      options.publicEndpoint && options.publicEndpoint !== options.endpoint
        ? s3Client(options, options.publicEndpoint)
        : this.client;
    if (options.presignedDownloads) {
      this.presignedGetUrl = (key, presign) => this.presign(key, presign);
    }
  }

  async put(key: string, bytes: PiecedBytes, options: PutOptions = {}): Promise<void> {
    const objectKey = this.objectKey(key);
    // One PUT takes one body with its length: pieces are joined (S3 nodes are not the case the
    // in-memory upload path optimises for).
    const data = joinedBytes(bytes);
    await this.send('PutObject', () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: objectKey,
          // The SDK sends the array as it is when the request starts; the caller may change
          // its array once put resolved, and by then the whole body was sent.
          Body: data,
          ContentLength: data.byteLength,
          ContentType: options.contentType ?? 'application/octet-stream',
        }),
      ),
    );
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const objectKey = this.objectKey(key);
    const output = await this.sendUnlessMissing('GetObject', () =>
      this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey })),
    );
    if (!output) return undefined;
    if (!output.Body) return new Uint8Array(0);
    return this.send('GetObject', () => output.Body!.transformToByteArray());
  }

  async stream(key: string, range?: ByteRange): Promise<BlobStream | undefined> {
    const objectKey = this.objectKey(key);
    const Range = range && `bytes=${range.start}-${range.end}`;
    const output = await this.sendUnlessMissing('GetObject', () =>
      this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey, Range })),
    );
    if (!output) return undefined;
    const size = output.ContentLength ?? 0;
    // Node's SDK answers with the HTTP response itself (a Readable); no body is an empty blob.
    if (output.Body instanceof Readable) return { body: output.Body, size };
    if (output.Body === undefined && size === 0) return { body: Readable.from([]), size };
    throw storeFailure('GetObject', new TypeError('The S3 client answered without a readable body'));
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    const objectKey = this.objectKey(key);
    const output = await this.sendUnlessMissing('HeadObject', () =>
      this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey })),
    );
    if (!output) return undefined;
    return { key, size: output.ContentLength ?? 0, modifiedAt: output.LastModified ?? new Date(0) };
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.objectKey(key);
    // S3 answers 204 for a key that is not there: deleting a missing key is not an error.
    await this.send('DeleteObject', () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey })),
    );
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    assertListPrefix(prefix);
    let continuationToken: string | undefined;
    do {
      const page = await this.send('ListObjectsV2', () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            MaxKeys: this.listPageSize,
            ContinuationToken: continuationToken,
          }),
        ),
      );
      for (const object of page.Contents ?? []) {
        const key = object.Key?.slice(this.prefix.length);
        // Objects written by others (or a ping probe) are not blobs of this store.
        if (key === undefined || !isBlobKey(key)) continue;
        yield { key, size: object.Size ?? 0, modifiedAt: object.LastModified ?? new Date(0) };
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
  }

  /** Writes and deletes a probe object: the bucket exists and these credentials may write to it. */
  async ping(): Promise<void> {
    const probe = `${this.prefix}${PING_KEY}${randomBytes(8).toString('hex')}`;
    await this.send('PutObject', () =>
      this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: probe, Body: new Uint8Array([1]) })),
    );
    await this.send('DeleteObject', () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: probe })),
    );
  }

  async close(): Promise<void> {
    this.client.destroy();
    if (this.presignClient !== this.client) this.presignClient.destroy();
  }

  private async presign(key: string, options: PresignedGetOptions): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.objectKey(key),
      ResponseContentType: options.contentType,
      ResponseContentDisposition: options.contentDisposition,
    });
    // Signing is local: no request is sent, so only a bad argument can fail here.
    return getSignedUrl(this.presignClient, command, { expiresIn: options.expiresInSeconds });
  }

  private objectKey(key: string): string {
    assertBlobKey(key);
    return this.prefix + key;
  }

  /** Runs an S3 call; a failure becomes SquishError UNAVAILABLE with the SDK error as cause. */
  private async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw storeFailure(operation, error);
    }
  }

  /** Like `send`, but an answer that the key does not exist is undefined. */
  private async sendUnlessMissing<T>(operation: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      if (isMissingKey(error)) return undefined;
      throw storeFailure(operation, error);
    }
  }
}

function s3Client(options: S3BlobStoreOptions, endpoint: string | undefined): S3Client {
  return new S3Client({
    region: options.region,
    endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
    // The SDK's default (WHEN_SUPPORTED) sends streamed bodies aws-chunked with a trailing
    // checksum, which radosgw (Pacific) refuses with MissingContentLength; other S3 servers
    // store the framing as data. Checksums only where an operation requires one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: IDLE_TIMEOUT_MS },
  });
}

/**
 * NoSuchKey from a GET; a bare 404 from a HEAD (which has no body to name the error). NoSuchBucket
 * is not a missing key: it is a store that is misconfigured, and must not read as "expired".
 */
function isMissingKey(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  if (error.name === 'NoSuchKey') return true;
  return error.$metadata.httpStatusCode === 404 && error.name !== 'NoSuchBucket';
}

function storeFailure(operation: string, error: unknown): SquishError {
  // The message is public (it reaches /readyz and API errors): the S3 error name and status say
  // what failed without naming the bucket or the key; the cause keeps everything for the logs.
  const detail =
    error instanceof S3ServiceException
      ? `${error.name}, HTTP ${error.$metadata.httpStatusCode ?? '?'}`
      : error instanceof Error
        ? ((error as NodeJS.ErrnoException).code ?? error.name)
        : 'unknown error';
  if (error instanceof S3ServiceException && isNoRoomAnswer(error)) {
    return new SquishError('STORAGE_FULL', `The S3 storage has no room left (${operation}: ${detail}).`, {
      cause: error,
    });
  }
  return new SquishError('UNAVAILABLE', `The S3 storage failed (${operation}: ${detail}).`, { cause: error });
}

/**
 * S3 answers that mean the storage has no room for the write: radosgw's QuotaExceeded (403) over a
 * user or bucket quota, MinIO's XMinioStorageFull (507) past its free-drive threshold, and any 507
 * Insufficient Storage. They are STORAGE_FULL, as a full local disk is: retried by jobs, answered
 * 503 with Retry-After, recorded as such when a job's attempts run out.
 */
const NO_ROOM_ERRORS: ReadonlySet<string> = new Set(['QuotaExceeded', 'XMinioStorageFull']);

function isNoRoomAnswer(error: S3ServiceException): boolean {
  return NO_ROOM_ERRORS.has(error.name) || error.$metadata.httpStatusCode === 507;
}

/** A list prefix names whole valid segments, then possibly the start of one (`results/ab`). */
function assertListPrefix(prefix: string): void {
  if (prefix === '') return;
  const cut = prefix.lastIndexOf('/');
  if (cut >= 0) assertBlobKey(prefix.slice(0, cut));
  if (!PARTIAL_SEGMENT.test(prefix.slice(cut + 1))) {
    throw new TypeError(`Invalid blob key prefix ${JSON.stringify(prefix)}`);
  }
}

function isBlobKey(key: string): boolean {
  try {
    assertBlobKey(key);
    return true;
  } catch {
    return false;
  }
}
