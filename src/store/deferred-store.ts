/**
 * A blob store whose implementation is imported on first use. The S3 store needs the AWS SDK,
 * 4.6 MB of heap once loaded: a node on a local folder never pays for it, and a node on S3 loads
 * it with its first blob operation instead of at start.
 */
import type { PiecedBytes } from '../bytes/pieces.js';
import type {
  BlobInfo,
  BlobStore,
  BlobStream,
  ByteRange,
  PresignedGetOptions,
  PutOptions,
} from './blob-store.js';

export class DeferredBlobStore implements BlobStore {
  readonly kind: string;
  readonly presignedGetUrl?: (key: string, options: PresignedGetOptions) => Promise<string>;
  readonly #load: () => Promise<BlobStore>;
  #store: Promise<BlobStore> | undefined;

  /**
   * @param kind the `kind` of the store `load` makes
   * @param load imports and makes the store (called once)
   * @param presigned whether the store made answers downloads by presigned URL
   */
  constructor(kind: string, load: () => Promise<BlobStore>, presigned: boolean) {
    this.kind = kind;
    this.#load = load;
    if (presigned) {
      this.presignedGetUrl = async (key, options) => {
        const store = await this.#loaded();
        if (!store.presignedGetUrl) throw new TypeError(`The ${kind} store does not presign downloads`);
        return store.presignedGetUrl(key, options);
      };
    }
  }

  #loaded(): Promise<BlobStore> {
    this.#store ??= this.#load();
    return this.#store;
  }

  async put(key: string, data: PiecedBytes, options?: PutOptions): Promise<void> {
    return (await this.#loaded()).put(key, data, options);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return (await this.#loaded()).get(key);
  }

  async stream(key: string, range?: ByteRange): Promise<BlobStream | undefined> {
    return (await this.#loaded()).stream(key, range);
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    return (await this.#loaded()).stat(key);
  }

  async delete(key: string): Promise<void> {
    return (await this.#loaded()).delete(key);
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    yield* (await this.#loaded()).list(prefix);
  }

  async ping(): Promise<void> {
    return (await this.#loaded()).ping();
  }

  /** Closes the store if it was ever made; one that was not has nothing open. */
  async close(): Promise<void> {
    if (this.#store) await (await this.#store).close();
  }
}
