export { assertBlobKey, type BlobInfo, type BlobStore } from './blob-store.js';
export { LocalFolderStore, type LocalFolderStoreOptions } from './local-folder-store.js';
