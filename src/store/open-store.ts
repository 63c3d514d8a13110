import type { ServeConfig } from '../config/index.js';
import type { BlobStore } from './blob-store.js';
import { DeferredBlobStore } from './deferred-store.js';
import { LocalFolderStore } from './local-folder-store.js';
import { parseS3Location } from './s3-location.js';

/** The settings that choose the blob store. */
export type StoreConfig = Pick<ServeConfig, 'storage' | 's3PresignedDownloads'> &
  Partial<Pick<ServeConfig, 'maxUploadBytes'>>;

/**
 * Opens the blob store `SQUISH_STORAGE` names: `file:<folder>` (a local folder or a shared POSIX
 * mount) or `s3://<bucket>[/<prefix>]?endpoint=...&region=...` (credentials from the AWS SDK's
 * standard chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile).
 * @throws Error when the setting names no store this version knows
 */
export function openStore(config: StoreConfig): BlobStore {
  if (config.storage.startsWith('file:')) {
    return new LocalFolderStore({
      root: config.storage.slice('file:'.length).replace(/^\/\/(?=\/)/, ''),
      // Not ready without room for an upload at the limit and a result as large: the node would
      // take uploads only to answer STORAGE_FULL.
      minFreeBytes: 2 * (config.maxUploadBytes ?? 0),
    });
  }
  if (config.storage.startsWith('s3://')) {
    // The AWS SDK is pinned on purpose (later releases need Node 22, see package.json); its
    // multi-line warning about that would otherwise break the JSON log lines on stderr. An
    // operator who sets the variable either way keeps their choice.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    // Parsed now, so that a bad setting still stops the start; the SDK loads with the first use.
    const location = parseS3Location(config.storage);
    const presignedDownloads = config.s3PresignedDownloads;
    return new DeferredBlobStore(
      's3',
      async () => new (await import('./s3-store.js')).S3BlobStore({ ...location, presignedDownloads }),
      presignedDownloads,
    );
  }
  throw new Error(`SQUISH_STORAGE: unknown storage ${JSON.stringify(config.storage)}`);
}
