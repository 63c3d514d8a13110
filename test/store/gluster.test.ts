/**
 * LocalFolderStore on a real GlusterFS volume (FUSE-mounted by scripts/services/gluster.sh): the
 * conformance suite on the shared mount, as the API nodes and workers of a cluster use it
 * (`SQUISH_STORAGE=file:<mount>`), plus a check that the blobs really went through the mount.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { LocalFolderStore, openStore } from '../../src/store/index.js';
import { serviceValue, skipWithout } from '../helpers/services.js';
import { describeBlobStoreConformance } from './conformance.js';

const skip = skipWithout('gluster');
const glusterDir = serviceValue('gluster');
/** FUSE_SUPER_MAGIC: what statfs reports for a GlusterFS (FUSE) mount. */
const FUSE_MAGIC = 0x65735546;

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
  });
} else {
  describe('LocalFolderStore on GlusterFS', { skip }, () => {
    it('needs a GlusterFS mount', () => undefined);
  });
}
