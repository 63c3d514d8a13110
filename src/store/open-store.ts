import type { ServeConfig } from '../config/index.js';
import type { BlobStore } from './blob-store.js';
import { LocalFolderStore } from './local-folder-store.js';

/** The settings that choose the blob store. */
export type StoreConfig = Pick<ServeConfig, 'storage' | 's3PresignedDownloads'>;

/**
 * Opens the blob store `SQUISH_STORAGE` names: `file:<folder>` (a local folder or a shared POSIX
 * mount) or `s3://<bucket>?endpoint=...`.
 */
export function openStore(config: StoreConfig): BlobStore {
  if (config.storage.startsWith('file:')) {
    return new LocalFolderStore({ root: config.storage.slice('file:'.length).replace(/^\/\/(?=\/)/, '') });
  }
  throw new Error('S3 storage is not built yet');
}
