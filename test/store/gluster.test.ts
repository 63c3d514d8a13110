/**
 * LocalFolderStore on a real GlusterFS volume (FUSE-mounted by scripts/services/gluster.sh): the
 * conformance suite on the shared mount, as the API nodes and workers of a cluster use it
 * (`SQUISH_STORAGE=file:<mount>`), plus what two machines see: the test mounts the same volume a
 * second time (a second FUSE client with its own caches, as on another machine) and checks that
 * a blob written through one mount is read, listed, replaced and deleted through the other at
 * once. That holds only with the volume's client caches that outlive a change made elsewhere
 * turned off (stat-prefetch, quick-read, open-behind: gluster.sh sets them, as deploy/ should);
 * with GlusterFS's defaults the second mount saw a deleted blob for about a second, and this
 * test fails.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { LocalFolderStore, openStore } from '../../src/store/index.js';
import { serviceValue, skipWithout } from '../helpers/services.js';
import { describeBlobStoreConformance } from './conformance.js';

const skip = skipWithout('gluster');
const glusterDir = serviceValue('gluster');
/** FUSE_SUPER_MAGIC: what statfs reports for a GlusterFS (FUSE) mount. */
const FUSE_MAGIC = 0x65735546;

/** The GlusterFS mount that holds `folder`: its mount point and its source (`host:/volume`). */
function glusterMountOf(folder: string): { point: string; source: string } {
  let best: { point: string; source: string } | undefined;
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    // "<id> <parent> <dev> <root> <mount point> <options> ... - <type> <source> <super options>"
    const [before, after] = line.split(' - ');
    const point = before?.split(' ')[4];
    const [type, source] = after?.split(' ') ?? [];
    if (!point || type !== 'fuse.glusterfs' || !source) continue;
    if ((folder === point || folder.startsWith(`${point}/`)) && point.length > (best?.point.length ?? -1)) {
      best = { point, source };
    }
  }
  if (!best) throw new Error(`${folder} is not on a GlusterFS mount`);
  return best;
}

async function readAllKeys(iterable: AsyncIterable<{ key: string }>): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of iterable) keys.push(info.key);
  return keys;
}

if (!skip) {
  const scratch = mkdtempSync(path.join(glusterDir!, 'store-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));
  let stores = 0;
  const freshRoot = () => {
    stores += 1;
    return path.join(scratch, `store-${stores}`);
  };

  describeBlobStoreConformance(
    'LocalFolderStore on GlusterFS',
    async () => new LocalFolderStore({ root: freshRoot() }),
  );

  describe('LocalFolderStore on GlusterFS', () => {
    it('is on a FUSE mount, and two stores opened on it (two nodes) see each other’s blobs', async () => {
      assert.equal(statfsSync(glusterDir!).type, FUSE_MAGIC, `${glusterDir} is not a GlusterFS (FUSE) mount`);
      const root = freshRoot();
      const api = openStore({ storage: `file:${root}`, s3PresignedDownloads: false });
      const worker = openStore({ storage: `file:${root}`, s3PresignedDownloads: false });
      await worker.put('results/job/token', new Uint8Array([5, 6, 7]));
      assert.deepEqual([...(await api.get('results/job/token'))!], [5, 6, 7]);
      assert.deepEqual([...(await readFile(path.join(root, 'results', 'job', 'token')))], [5, 6, 7]);
      await api.delete('results/job/token');
      assert.equal(await worker.stat('results/job/token'), undefined);
    });

    it('a second mount of the volume (another machine) sees puts and deletes of the first at once', async (t) => {
      const { point, source } = glusterMountOf(glusterDir!);
      const second = mkdtempSync(path.join(tmpdir(), 'squish-gluster-second-'));
      execFileSync('mount', ['-t', 'glusterfs', source, second]);
      t.after(() => {
        execFileSync('umount', [second]);
        rmSync(second, { recursive: true, force: true });
      });
      const root = freshRoot();
      const onSecond = path.join(second, path.relative(point, root));
      const worker = new LocalFolderStore({ root });
      const api = new LocalFolderStore({ root: onSecond });
      // The api asks before the blob exists (a negative lookup a client could cache), then after.
      assert.equal(await api.stat('results/job/token'), undefined);
      const data = new Uint8Array(300_000).map((_, index) => index % 251);
      await worker.put('results/job/token', data);
      assert.equal((await api.stat('results/job/token'))?.size, data.length);
      assert.deepEqual(await api.get('results/job/token'), data);
      assert.deepEqual(await readAllKeys(api.list('results/')), ['results/job/token']);
      // A replaced blob is read whole and new through the other mount.
      const replaced = new Uint8Array(1000).fill(7);
      await worker.put('results/job/token', replaced);
      assert.deepEqual(await api.get('results/job/token'), replaced);
      await api.delete('results/job/token');
      assert.equal(await worker.get('results/job/token'), undefined);
    });
  });
} else {
  describe('LocalFolderStore on GlusterFS', { skip }, () => {
    it('needs a GlusterFS mount', () => undefined);
  });
}
