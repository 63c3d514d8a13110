/**
 * What a running `squish serve` holds, read from /proc and its data folder: what a soak watches
 * for growth (memory, file descriptors, engine processes, the SQLite file, the stored files).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { childrenOf } from './cpu-time.js';

export interface NodeSample {
  /** The server process's resident memory, MB. */
  serverRssMb: number;
  /** Its open file descriptors (sockets included). */
  serverFds: number;
  /** Resident memory of each of its child processes (the engine processes), MB. */
  childRssMb: number[];
  /** The SQLite file and its write-ahead log, MB. */
  databaseMb: number;
  walMb: number;
  /** Everything under the data folder's blobs/, MB. */
  blobsMb: number;
}

const MB = 1024 * 1024;

function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0; // the process ended between listing and reading
  }
}

function fileMb(path: string): number {
  return existsSync(path) ? statSync(path).size / MB : 0;
}

function folderMb(path: string): number {
  if (!existsSync(path)) return 0;
  // du counts what the files take on disk, without walking a large tree in JavaScript.
  const kb = execFileSync('du', ['-sk', path], { encoding: 'utf8' }).split('\t')[0];
  return Number(kb) / 1024;
}

/** One reading of the node `pid` serving from `dataDir` (SQLite and a local folder). */
export function sampleNode(pid: number, dataDir: string): NodeSample {
  let fds = 0;
  try {
    fds = readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    fds = 0;
  }
  return {
    serverRssMb: rssMb(pid),
    serverFds: fds,
    childRssMb: childrenOf(pid).map(rssMb),
    databaseMb: fileMb(join(dataDir, 'squish.db')),
    walMb: fileMb(join(dataDir, 'squish.db-wal')),
    blobsMb: folderMb(join(dataDir, 'blobs')),
  };
}
