/**
 * A worker node in its own process, for the test that kills one mid-job: the same backends as the
 * test's harness (SQLite file, blob folder), private networks allowed (the test's image server is
 * on 127.0.0.1). Prints `ready` once it consumes.
 *
 * Usage: node --import tsx test/worker/worker-process.ts <sqlite file> <blob folder> <leaseMs>
 */
import { pino } from 'pino';
import { openDatabase } from '../../src/db/index.js';
import { EnginePool } from '../../src/engine/index.js';
import { EmbeddedQueue } from '../../src/jobs/index.js';
import { LocalFolderStore } from '../../src/store/index.js';
import { startWorker } from '../../src/worker/index.js';

const [file, blobRoot, leaseMs] = process.argv.slice(2);
if (!file || !blobRoot || !leaseMs)
  throw new Error('usage: worker-process <sqlite file> <blob folder> <leaseMs>');
startWorker({
  db: await openDatabase(`sqlite:${file}`),
  queue: new EmbeddedQueue({ file, pollIntervalMs: 50 }),
  store: new LocalFolderStore({ root: blobRoot }),
  pool: new EnginePool({ size: 1 }),
  policy: { allowPrivateNetworks: true, timeoutMs: 60_000, maxBytes: 1 << 20 },
  concurrency: 1,
  log: pino({ level: 'silent' }),
  leaseMs: Number(leaseMs),
});
process.stdout.write('ready\n');
