/**
 * Run as a child process by sqlite.test.ts: records usage `count` times on the database at `url`,
 * as a second `squish` process sharing the SQLite file would.
 */
import { openDatabase } from '../../src/db/index.js';

const [url, accountId, count] = process.argv.slice(2);
const db = await openDatabase(url!);
for (let index = 0; index < Number(count); index++) {
  await db.accounts.recordUsage(accountId!, { bytesIn: 7, bytesOut: 1, savedBytes: 6, dev: false });
}
await db.close();
