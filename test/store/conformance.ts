/**
 * The blob store conformance suite: what every BlobStore implementation must do, whatever holds
 * the bytes (a local folder, a shared POSIX mount, S3). A `*.test.ts` calls it once per
 * implementation with a factory that opens a fresh, empty store.
 *
 * Stores hold opaque bytes, so these tests compare bytes (and hashes of large blobs); images are
 * compared by pixels where images are produced, not here.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { BlobInfo, BlobStore } from '../../src/store/index.js';

/** Opens a fresh, empty store; the suite closes it. */
export type OpenBlobStore = () => Promise<BlobStore>;

/** Keys every store must refuse: they could escape a folder root or mean different things elsewhere. */
export const HOSTILE_KEYS = [
  '',
  '..',
  '../outside',
  'a/../../outside',
  'a/./b',
  '/absolute',
  'a//b',
  'trailing/',
  'back\\slash',
  'with space',
  'nul\0byte',
  'temp~name',
  'percent%2e%2e',
];

async function readAll(iterable: AsyncIterable<BlobInfo>): Promise<BlobInfo[]> {
  const found: BlobInfo[] = [];
  for await (const info of iterable) found.push(info);
  return found;
}

async function streamToBuffer(body: NodeJS.ReadableStream): Promise<{ data: Buffer; chunks: number }> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(chunk as Buffer);
  return { data: Buffer.concat(parts), chunks: parts.length };
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Registers the suite for one implementation. */
export function describeBlobStoreConformance(name: string, open: OpenBlobStore): void {
  describe(`BlobStore conformance: ${name}`, () => {
    let store: BlobStore;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
    });

    it('names its kind and answers ping', async () => {
      assert.equal(typeof store.kind, 'string');
      assert.ok(store.kind.length > 0);
      await store.ping();
    });

    it('ping leaves nothing behind that a listing would show', async () => {
      const before = (await readAll(store.list(''))).map((info) => info.key);
      await store.ping();
      await store.ping();
      assert.deepEqual(
        (await readAll(store.list(''))).map((info) => info.key),
        before,
      );
    });

    it('returns what was put, as get, stream and stat', async () => {
      const data = randomBytes(3000);
      const before = Date.now();
      await store.put('roundtrip/one.bin', data, { contentType: 'application/octet-stream' });
      assert.deepEqual(Buffer.from((await store.get('roundtrip/one.bin'))!), data);
      const streamed = await store.stream('roundtrip/one.bin');
      assert.ok(streamed);
      assert.equal(streamed.size, data.length);
      assert.deepEqual((await streamToBuffer(streamed.body)).data, data);
      const info = await store.stat('roundtrip/one.bin');
      assert.equal(info?.key, 'roundtrip/one.bin');
      assert.equal(info?.size, data.length);
      // Clocks of a remote store may differ a little from ours.
      assert.ok(Math.abs(info!.modifiedAt.getTime() - before) < 60_000);
    });

    it('keeps an empty blob as a blob', async () => {
      await store.put('empty', new Uint8Array(0));
      assert.equal((await store.get('empty'))?.length, 0);
      assert.equal((await store.stat('empty'))?.size, 0);
    });

    it('stores a copy: changing the caller’s array afterwards changes nothing', async () => {
      const data = new Uint8Array([1, 2, 3, 4]);
      await store.put('copy', data);
      data[0] = 99;
      assert.deepEqual([...(await store.get('copy'))!], [1, 2, 3, 4]);
    });

    it('answers undefined for a missing key, and for a key that is only a prefix of others', async () => {
      await store.put('prefix-only/child', new Uint8Array([1]));
      for (const key of ['missing', 'missing/deeper', 'prefix-only']) {
        assert.equal(await store.get(key), undefined, key);
        assert.equal(await store.stream(key), undefined, key);
        assert.equal(await store.stat(key), undefined, key);
      }
    });

    it('overwrites a key with the new bytes', async () => {
      await store.put('overwrite', randomBytes(5000));
      const second = randomBytes(100);
      await store.put('overwrite', second);
      assert.deepEqual(Buffer.from((await store.get('overwrite'))!), second);
      assert.equal((await store.stat('overwrite'))?.size, 100);
    });

    it('deletes, and deleting a missing key is not an error', async () => {
      await store.put('doomed/a', new Uint8Array([1]));
      await store.delete('doomed/a');
      assert.equal(await store.get('doomed/a'), undefined);
      await store.delete('doomed/a');
      await store.delete('never/was/here');
      assert.deepEqual(await readAll(store.list('doomed/')), []);
    });

    it('lists every blob under a prefix, recursively, and only those', async () => {
      const keys = [
        'listing/a/1',
        'listing/a/2',
        'listing/a/deep/3',
        'listing/ab/4',
        'listing/b/5',
        'listing/top',
      ];
      for (const key of keys) await store.put(key, new TextEncoder().encode(key));
      const byKey = (found: BlobInfo[]) => found.map((info) => info.key).sort();
      assert.deepEqual(byKey(await readAll(store.list('listing/'))), keys);
      assert.deepEqual(byKey(await readAll(store.list('listing/a/'))), [
        'listing/a/1',
        'listing/a/2',
        'listing/a/deep/3',
      ]);
      // A plain string prefix, not only whole folders.
      assert.deepEqual(byKey(await readAll(store.list('listing/a'))), [
        'listing/a/1',
        'listing/a/2',
        'listing/a/deep/3',
        'listing/ab/4',
      ]);
      assert.deepEqual(await readAll(store.list('listing/nothing/')), []);
      const one = (await readAll(store.list('listing/top')))[0];
      assert.equal(one?.size, 'listing/top'.length);
      assert.ok(one?.modifiedAt instanceof Date);
      const all = byKey(await readAll(store.list('')));
      for (const key of keys) assert.ok(all.includes(key), key);
    });

    it('refuses hostile keys on every operation, and writes nothing for them', async () => {
      for (const key of HOSTILE_KEYS) {
        const label = JSON.stringify(key);
        await assert.rejects(store.put(key, new Uint8Array([1])), TypeError, label);
        await assert.rejects(store.get(key), TypeError, label);
        await assert.rejects(store.stream(key), TypeError, label);
        await assert.rejects(store.stat(key), TypeError, label);
        await assert.rejects(store.delete(key), TypeError, label);
      }
      await assert.rejects(readAll(store.list('../')), TypeError);
      await assert.rejects(readAll(store.list('a/../../')), TypeError);
      const all = await readAll(store.list(''));
      assert.ok(
        all.every((info) => !/outside|absolute|space|temp/.test(info.key)),
        JSON.stringify(all),
      );
    });

    it('concurrent puts of one key: readers see one whole blob, never a mix; no leftovers listed', async () => {
      const versions = Array.from({ length: 6 }, (_, index) => Buffer.alloc(512 * 1024, index + 1));
      const hashes = new Set(versions.map(sha256));
      await store.put('race/key', versions[0]!);
      const reads: Promise<void>[] = [];
      const writes = versions.map((version) => store.put('race/key', version));
      for (let i = 0; i < 12; i++) {
        reads.push(
          (async () => {
            const got = await store.get('race/key');
            assert.ok(got && hashes.has(sha256(got)), 'a read saw a partial or mixed blob');
          })(),
        );
      }
      await Promise.all([...writes, ...reads]);
      const final = await store.get('race/key');
      assert.ok(final && hashes.has(sha256(final)));
      assert.deepEqual(
        (await readAll(store.list('race/'))).map((info) => info.key),
        ['race/key'],
      );
    });

    it('streams a large blob in many chunks without changing a byte', async () => {
      const large = randomBytes(12 * 1024 * 1024);
      await store.put('large/blob', large);
      const streamed = await store.stream('large/blob');
      assert.ok(streamed);
      assert.equal(streamed.size, large.length);
      const { data, chunks } = await streamToBuffer(streamed.body);
      assert.ok(chunks > 1, `expected a stream of several chunks, got ${chunks}`);
      assert.equal(sha256(data), sha256(large));
    });

    it('streams a byte range: the first byte, the last, one inside, and all of them', async () => {
      const data = randomBytes(100_000);
      await store.put('range/blob', data);
      for (const [start, end] of [
        [0, 0],
        [99_999, 99_999],
        [1234, 56_789],
        [0, 99_999],
      ] as const) {
        const streamed = await store.stream('range/blob', { start, end });
        assert.ok(streamed, `${start}-${end}`);
        assert.equal(streamed.size, end - start + 1, `${start}-${end}`);
        const { data: got } = await streamToBuffer(streamed.body);
        assert.ok(got.equals(data.subarray(start, end + 1)), `${start}-${end}: other bytes`);
      }
      assert.equal(await store.stream('range/missing', { start: 0, end: 0 }), undefined);
    });

    it('a stream already open keeps its bytes when the key is replaced', async () => {
      const first = Buffer.alloc(256 * 1024, 7);
      await store.put('replace/while-streaming', first);
      const streamed = await store.stream('replace/while-streaming');
      assert.ok(streamed);
      await store.put('replace/while-streaming', Buffer.alloc(1000, 8));
      const { data } = await streamToBuffer(streamed.body);
      assert.equal(data.length, streamed.size);
      assert.ok(data.equals(first) || data.equals(Buffer.alloc(1000, 8)));
    });
  });
}
