export {
  assertBlobKey,
  type BlobInfo,
  type BlobStore,
  type PresignedGetOptions,
  type PutOptions,
} from './blob-store.js';
export { inputBlobKey, JOB_BLOB_FOLDERS, resultsPrefix } from './job-blob-keys.js';
export { LocalFolderStore, type LocalFolderStoreOptions } from './local-folder-store.js';
export { openStore, type StoreConfig } from './open-store.js';
export { parseS3Location, type S3Location } from './s3-location.js';
export { S3BlobStore, type S3BlobStoreOptions } from './s3-store.js';
