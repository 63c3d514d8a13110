import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStorageFull, SquishError } from '../../src/errors/index.js';

/** An error as Node's fs and better-sqlite3 raise them: a message and a string `code`. */
function systemError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

test('a full disk, a quota or a full SQLite file is storage-full, at the top or down the causes', () => {
  assert.equal(isStorageFull(systemError('ENOSPC', 'ENOSPC: no space left on device, write')), true);
  assert.equal(isStorageFull(systemError('EDQUOT')), true);
  assert.equal(isStorageFull(systemError('SQLITE_FULL', 'database or disk is full')), true);
  const wrapped = new Error('queue write failed', {
    cause: new Error('put', { cause: systemError('ENOSPC') }),
  });
  assert.equal(isStorageFull(wrapped), true);
  assert.equal(isStorageFull(new SquishError('INTERNAL', undefined, { cause: systemError('ENOSPC') })), true);
  // A store that knows its own "no room" answer (S3's QuotaExceeded) throws STORAGE_FULL itself.
  assert.equal(isStorageFull(new SquishError('STORAGE_FULL')), true);
});

test('other errors and non-errors are not', () => {
  assert.equal(isStorageFull(systemError('EACCES')), false);
  assert.equal(isStorageFull(systemError('SQLITE_BUSY')), false);
  assert.equal(isStorageFull(new SquishError('UNAVAILABLE')), false);
  assert.equal(isStorageFull({ code: 'ENOSPC' }), false, 'a plain object is no error');
  assert.equal(isStorageFull(undefined), false);
  // A cycle of causes ends.
  const loop = systemError('EIO');
  (loop as { cause?: unknown }).cause = loop;
  assert.equal(isStorageFull(loop), false);
});
