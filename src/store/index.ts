export {
  assertBlobKey,
  type BlobInfo,
  type BlobStore,
  type BlobStream,
  type ByteRange,
  type PresignedGetOptions,
  type PutOptions,
} from './blob-store.js';
export { inputBlobKey, JOB_BLOB_FOLDERS, resultsPrefix } from './job-blob-keys.js';
export { LocalFolderStore, type LocalFolderStoreOptions } from './local-folder-store.js';
export { openStore, type StoreConfig } from './open-store.js';
export { parseS3Location, type S3Location } from './s3-location.js';
// Not S3BlobStore itself: importing it loads the AWS SDK, which openStore defers to the first use
// (deferred-store.ts). Code that makes one directly imports './s3-store.js'.
export type { S3BlobStoreOptions } from './s3-store.js';
