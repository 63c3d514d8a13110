/**
 * DeferredBlobStore (how openStore defers the AWS SDK): the whole conformance suite through it,
 * over a real folder store, and the store is made once, on first use, never at construction.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { DeferredBlobStore } from '../../src/store/deferred-store.js';
import type { BlobStore } from '../../src/store/index.js';
import { LocalFolderStore } from '../../src/store/index.js';
import { describeBlobStoreConformance } from './conformance.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'squish-deferred-store-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let stores = 0;
function folderStore(): LocalFolderStore {
  stores += 1;
  return new LocalFolderStore({ root: path.join(scratch, `store-${stores}`) });
}

describeBlobStoreConformance(
  'DeferredBlobStore over a folder',
  async () => new DeferredBlobStore('local', async () => folderStore(), false),
);

describe('DeferredBlobStore', () => {
  it('makes its store once, at the first operation, and closes only a store it made', async () => {
    let made = 0;
    let closed = 0;
    const load = async (): Promise<BlobStore> => {
      made += 1;
      const store = folderStore();
      const close = store.close.bind(store);
      store.close = async () => {
        closed += 1;
        await close();
      };
      return store;
    };
    const unused = new DeferredBlobStore('local', load, false);
    await unused.close();
    assert.equal(made, 0, 'a store never used is never made');

    const store = new DeferredBlobStore('local', load, false);
    assert.equal(made, 0, 'not at construction');
    await Promise.all([store.put('a/b', new Uint8Array([1])), store.put('a/c', new Uint8Array([2]))]);
    assert.deepEqual([...(await store.get('a/c'))!], [2]);
    const keys: string[] = [];
    for await (const blob of store.list('a/')) keys.push(blob.key);
    assert.deepEqual(keys.sort(), ['a/b', 'a/c']);
    assert.equal(made, 1, 'concurrent first uses share one store');
    await store.close();
    assert.equal(closed, 1);
  });

  it('offers presigned downloads only when told the store makes them', async () => {
    assert.equal(new DeferredBlobStore('local', async () => folderStore(), false).presignedGetUrl, undefined);
    const presigning = new DeferredBlobStore('s3', async () => folderStore(), true);
    assert.equal(typeof presigning.presignedGetUrl, 'function');
    // A folder store does not presign: the call says so instead of answering a wrong URL.
    await assert.rejects(
      presigning.presignedGetUrl!('a', {
        expiresInSeconds: 60,
        contentType: 'image/png',
        contentDisposition: 'inline',
      }),
      TypeError,
    );
  });
});
