/**
 * LocalFolderStore: the conformance suite on a real temporary folder, plus what only a folder
 * store has to show: nothing escapes the root, two instances on one folder (as two machines on a
 * shared mount) see each other's blobs at once, half-written files never show, emptied folders go.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, readdir, stat, statfs, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { LocalFolderStore } from '../../src/store/index.js';
import { retryStale } from '../../src/store/local-folder-store.js';
import { describeBlobStoreConformance } from './conformance.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'squish-store-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let stores = 0;
function freshRoot(): string {
  stores += 1;
  return path.join(scratch, `store-${stores}`, 'blobs');
}

describeBlobStoreConformance('LocalFolderStore', async () => new LocalFolderStore({ root: freshRoot() }));

describe('LocalFolderStore on a folder', () => {
  it('writes a blob given in pieces as their concatenation, flushed or not', async () => {
    const store = new LocalFolderStore({ root: freshRoot() });
    const pieces = [
      new Uint8Array([1, 2]),
      new Uint8Array(0),
      new Uint8Array(70_000).fill(7),
      new Uint8Array([9]),
    ];
    const whole = Buffer.concat(pieces);
    for (const durable of [true, false]) {
      await store.put(`inputs/pieces-${durable}`, pieces, { durable });
      assert.deepEqual(Buffer.from((await store.get(`inputs/pieces-${durable}`))!), whole);
    }
    await store.put('inputs/no-pieces', []);
    assert.equal((await store.get('inputs/no-pieces'))!.byteLength, 0);
  });

  it('keeps every blob inside its root, one file per key', async () => {
    const root = freshRoot();
    const store = new LocalFolderStore({ root });
    await store.put('results/job-1/token', new Uint8Array([1, 2, 3]));
    assert.equal((await stat(path.join(root, 'results', 'job-1', 'token'))).size, 3);
    await assert.rejects(store.put('../escaped', new Uint8Array([1])), TypeError);
    assert.deepEqual(readdirSync(path.dirname(root)), ['blobs']);
  });

  it('two instances on one folder (two machines on a shared mount) see each other at once', async () => {
    const root = freshRoot();
    const a = new LocalFolderStore({ root });
    const b = new LocalFolderStore({ root });
    await a.put('inputs/job-2', new Uint8Array([9, 9]));
    assert.deepEqual([...(await b.get('inputs/job-2'))!], [9, 9]);
    await b.delete('inputs/job-2');
    assert.equal(await a.stat('inputs/job-2'), undefined);
  });

  it('never lists a half-written temporary file, nor follows a symbolic link out of the root', async () => {
    const root = freshRoot();
    const store = new LocalFolderStore({ root });
    await store.put('inputs/ready', new Uint8Array([1]));
    // What a crash in the middle of a put leaves behind: a temp file beside the key.
    await writeFile(path.join(root, 'inputs', 'other~0123456789abcdef'), 'partial');
    const outside = path.join(path.dirname(root), 'outside');
    await mkdir(outside);
    await writeFile(path.join(outside, 'secret'), 'secret');
    await symlink(outside, path.join(root, 'inputs', 'link'));
    const keys: string[] = [];
    for await (const info of store.list('')) keys.push(info.key);
    assert.deepEqual(keys, ['inputs/ready']);
  });

  it('a listing removes temporary files a crashed writer abandoned, and only old ones', async () => {
    const root = freshRoot();
    const store = new LocalFolderStore({ root, abandonedTempMs: 60_000 });
    await store.put('results/job-9/token', new Uint8Array([1]));
    const folder = path.join(root, 'results', 'job-9');
    await writeFile(path.join(folder, 'old~0123456789abcdef'), 'partial');
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await utimes(path.join(folder, 'old~0123456789abcdef'), twoMinutesAgo, twoMinutesAgo);
    await writeFile(path.join(folder, 'fresh~0123456789abcdef'), 'being written');
    for await (const _ of store.list('results/')) {
      // Walking is what cleans.
    }
    assert.deepEqual((await readdir(folder)).sort(), ['fresh~0123456789abcdef', 'token']);
  });

  it('removes folders a delete leaves empty, and keeps the root', async () => {
    const root = freshRoot();
    const store = new LocalFolderStore({ root });
    await store.put('results/job-3/a', new Uint8Array([1]));
    await store.put('results/job-3/b', new Uint8Array([1]));
    await store.delete('results/job-3/a');
    assert.deepEqual(await readdir(path.join(root, 'results', 'job-3')), ['b']);
    await store.delete('results/job-3/b');
    assert.deepEqual(await readdir(root), []);
  });

  it('a put racing the delete that prunes its folder still lands', async () => {
    const store = new LocalFolderStore({ root: freshRoot() });
    for (let round = 0; round < 150; round++) {
      await store.put('race/folder/last', new Uint8Array([1]));
      // The delete empties the folder and prunes it while the put is creating its file there.
      await Promise.all([
        store.delete('race/folder/last'),
        store.put('race/folder/new', new Uint8Array([round])),
      ]);
      assert.deepEqual([...((await store.get('race/folder/new')) ?? [])], [round], `round ${round}`);
      await store.delete('race/folder/new');
    }
  });

  it('durable: false writes the same blob, in new and existing folders, with no temporary file left', async () => {
    const root = freshRoot();
    const store = new LocalFolderStore({ root });
    const first = new Uint8Array(300_000).map((_, index) => index % 251);
    await store.put('inputs/job-5', first, { durable: false });
    await store.put('inputs/job-6', new Uint8Array([7]), { durable: false });
    assert.deepEqual(await store.get('inputs/job-5'), first);
    assert.deepEqual(await store.get('inputs/job-6'), new Uint8Array([7]));
    assert.deepEqual((await readdir(path.join(root, 'inputs'))).sort(), ['job-5', 'job-6']);
    // Overwrites stay atomic: the new content replaces the old whole.
    await store.put('inputs/job-5', new Uint8Array([1, 2]), { durable: false });
    assert.deepEqual(await store.get('inputs/job-5'), new Uint8Array([1, 2]));
  });

  it('a put racing the delete that prunes its folder still lands, durable or not', async () => {
    const store = new LocalFolderStore({ root: freshRoot() });
    for (let round = 0; round < 100; round++) {
      await store.put('race/folder/last', new Uint8Array([1]), { durable: false });
      await Promise.all([
        store.delete('race/folder/last'),
        store.put('race/folder/new', new Uint8Array([round]), { durable: round % 2 === 0 }),
      ]);
      assert.deepEqual([...((await store.get('race/folder/new')) ?? [])], [round], `round ${round}`);
      await store.delete('race/folder/new');
    }
  });

  it('ping creates a missing root and leaves nothing behind', async () => {
    const root = freshRoot();
    await new LocalFolderStore({ root }).ping();
    assert.deepEqual(await readdir(root), []);
  });

  it('ping fails when the file system has less room than minFreeBytes, naming the numbers', async () => {
    const root = freshRoot();
    const { bavail, bsize } = await statfs(tmpdir());
    const free = bavail * bsize;
    await new LocalFolderStore({ root, minFreeBytes: Math.max(1, free - 64 * 1024 * 1024) }).ping();
    await assert.rejects(
      new LocalFolderStore({ root, minFreeBytes: free + 1024 * 1024 * 1024 }).ping(),
      /bytes free under .*, fewer than the \d+ an upload and its results may need/,
    );
  });
});

describe('retryStale (reads on network mounts)', () => {
  const stale = () => Object.assign(new Error('stale file handle'), { code: 'ESTALE' });

  it('looks the file up again after one ESTALE, and takes a second one as a missing blob', async () => {
    let calls = 0;
    assert.equal(
      await retryStale(async () => {
        calls += 1;
        if (calls === 1) throw stale();
        return 'fresh';
      }),
      'fresh',
    );
    assert.equal(calls, 2);
    assert.equal(
      await retryStale(async () => {
        throw stale();
      }),
      undefined,
    );
  });

  it('lets any other error through at once', async () => {
    let calls = 0;
    await assert.rejects(
      retryStale(async () => {
        calls += 1;
        throw Object.assign(new Error('no access'), { code: 'EACCES' });
      }),
      /no access/,
    );
    assert.equal(calls, 1);
  });
});
