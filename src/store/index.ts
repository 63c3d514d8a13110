export { assertBlobKey, type BlobInfo, type BlobStore } from './blob-store.js';
export { inputBlobKey, JOB_BLOB_FOLDERS, resultsPrefix } from './job-blob-keys.js';
export { LocalFolderStore, type LocalFolderStoreOptions } from './local-folder-store.js';
export { openStore, type StoreConfig } from './open-store.js';
