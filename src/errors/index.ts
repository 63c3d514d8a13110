export { ERROR_CODES, type ErrorCode } from './codes.js';
export { type ErrorReport, invalidOption, isSquishError, SquishError } from './squish-error.js';
export { isStorageFull } from './storage-full.js';
