/**
 * Whether an error means the disk under the data (or a quota on it) has no room left: what the
 * platform answers with STORAGE_FULL rather than an internal error. A full disk is an operator's
 * matter that clears when space is freed (the janitor deletes expired results), not a bug, and a
 * client can come back later or go to another node.
 */

/**
 * POSIX ENOSPC (no space left) and EDQUOT (quota exceeded); SQLite's SQLITE_FULL (better-sqlite3);
 * and Squish's own STORAGE_FULL, which a store that knows its answer for "no room" throws (S3).
 */
const FULL_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL', 'STORAGE_FULL']);

/** How deep a chain of `cause`s is followed (errors wrapped by the queue, a store, the engine). */
const MAX_CAUSES = 8;

/** True when `error`, or an error it was caused by, is a storage-full error. */
export function isStorageFull(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSES && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && FULL_CODES.has(code)) return true;
    current = current.cause;
  }
  return false;
}
