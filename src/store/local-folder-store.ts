import { randomBytes } from 'node:crypto';
import { close, type Dirent, fsync, open as openFd, writeFile, writev } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rmdir, stat, statfs, unlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { type PiecedBytes, piecesOf } from '../bytes/pieces.js';
import {
  assertBlobKey,
  type BlobInfo,
  type BlobStore,
  type BlobStream,
  type ByteRange,
  type PutOptions,
} from './blob-store.js';

/** Options of {@link LocalFolderStore}. */
export interface LocalFolderStoreOptions {
  /** The folder that holds every blob; created on the first write. */
  root: string;
  /**
   * Age after which a temporary file is taken for the leftover of a writer that crashed, and
   * removed by the next `list` that walks past it (default 1 hour; no put takes that long).
   */
  abandonedTempMs?: number;
  /**
   * Free space under which `ping` (the readiness probe) fails, so a load balancer sends uploads
   * to a node that can store them (default 0: only a write that fails counts).
   */
  minFreeBytes?: number;
}

/**
 * Temporary files carry a `~`, a character no blob key may contain, so a half-written file can
 * never be mistaken for a blob by `list` or collide with a real key.
 */
const TEMP_MARKER = '~';
/** How often `put` retries when a concurrent `delete` pruned the folder it was writing into. */
const PUT_ATTEMPTS = 5;
const DEFAULT_ABANDONED_TEMP_MS = 3600_000;

/**
 * A blob store in a folder: the embedded default, and the same class on a shared POSIX mount
 * (GlusterFS, NFS) used by several machines. It keeps no state in memory: every answer comes from
 * the file system, and a write becomes visible only through an atomic `rename` of a fully written
 * (and, unless `durable: false`, fsynced) temporary file in the same folder, which POSIX guarantees on local file systems and
 * which GlusterFS and NFS preserve for renames within one directory.
 *
 * The `contentType` of `put` is not kept: downloads take the type from the job's record.
 */
export class LocalFolderStore implements BlobStore {
  readonly kind = 'local';
  private readonly root: string;
  private readonly abandonedTempMs: number;
  private readonly minFreeBytes: number;

  constructor(options: LocalFolderStoreOptions) {
    this.root = path.resolve(options.root);
    this.abandonedTempMs = options.abandonedTempMs ?? DEFAULT_ABANDONED_TEMP_MS;
    this.minFreeBytes = options.minFreeBytes ?? 0;
  }

  /**
   * Writes the blob through a temporary file renamed into place. By default the file and the
   * rename are flushed to stable storage before the promise resolves; with `durable: false`
   * (see {@link PutOptions}) they are left to the kernel's write-back, which a crash
   * of the process does not lose (the page cache outlives it) but a power loss may.
   */
  async put(key: string, data: PiecedBytes, options: PutOptions = {}): Promise<void> {
    const durable = options.durable !== false;
    const target = this.pathOf(key);
    const folder = path.dirname(target);
    const temp = path.join(folder, `${path.basename(target)}${TEMP_MARKER}${randomBytes(8).toString('hex')}`);
    // The folder usually exists (inputs/ after the first upload): mkdir only when the write says
    // it is missing, instead of a recursive mkdir's system calls before every write.
    for (let attempt = 1; ; attempt++) {
      try {
        await writeNewFile(temp, data, durable);
        break;
      } catch (error) {
        // Missing folder: never created, or pruned by the delete of its last blob (which may
        // happen again between mkdir and open: create it again). Once the temp file exists its
        // folder is not empty, so the rename below cannot lose it.
        if (errorCode(error) !== 'ENOENT' || attempt >= PUT_ATTEMPTS) throw error;
        await mkdir(folder, { recursive: true });
      }
    }
    try {
      await rename(temp, target);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    if (durable) await syncFolder(folder);
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return retryStale(() => this.getOnce(key));
  }

  private async getOnce(key: string): Promise<Uint8Array | undefined> {
    try {
      const buffer = await readFile(this.pathOf(key));
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  stream(key: string, range?: ByteRange): Promise<BlobStream | undefined> {
    return retryStale(() => this.streamOnce(key, range));
  }

  private async streamOnce(key: string, range: ByteRange | undefined): Promise<BlobStream | undefined> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.pathOf(key), 'r');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    try {
      // The size comes from the open file, so it matches the bytes streamed even if the key is
      // replaced meanwhile (the rename gives the new blob a new inode; this handle keeps the old).
      const info = await handle.stat();
      if (!info.isFile()) {
        await handle.close();
        return undefined;
      }
      if (!range) return { body: handle.createReadStream({ autoClose: true }), size: info.size };
      const { start, end } = range;
      return { body: handle.createReadStream({ autoClose: true, start, end }), size: end - start + 1 };
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  stat(key: string): Promise<BlobInfo | undefined> {
    return retryStale(() => this.statOnce(key));
  }

  private async statOnce(key: string): Promise<BlobInfo | undefined> {
    try {
      const info = await stat(this.pathOf(key));
      if (!info.isFile()) return undefined;
      return { key, size: info.size, modifiedAt: info.mtime };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const target = this.pathOf(key);
    try {
      await unlink(target);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    await this.pruneEmptyFolders(path.dirname(target));
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    // The prefix is a plain string prefix of keys ("results/" or "results/ab"); only the folders
    // it names completely are walked, so a sweep of one job's results does not read the whole tree.
    const cut = prefix.lastIndexOf('/');
    const folderKey = cut < 0 ? '' : prefix.slice(0, cut);
    if (folderKey !== '') assertBlobKey(folderKey);
    const start = folderKey === '' ? this.root : path.join(this.root, ...folderKey.split('/'));
    for await (const info of this.walk(start, folderKey)) {
      if (info.key.startsWith(prefix)) yield info;
    }
  }

  /** Writes and removes a one-byte file, and checks the free space against `minFreeBytes`. */
  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    if (this.minFreeBytes > 0) {
      // What an unprivileged writer may still use (bavail, not bfree: ext4 keeps 5 % for root).
      const { bavail, bsize } = await statfs(this.root);
      const free = bavail * bsize;
      if (free < this.minFreeBytes) {
        throw new Error(
          `${free} bytes free under ${this.root}, fewer than the ${this.minFreeBytes} an upload and its results may need`,
        );
      }
    }
    const probe = path.join(this.root, `.ping${TEMP_MARKER}${randomBytes(8).toString('hex')}`);
    await writeNewFile(probe, new Uint8Array([1]), true);
    await unlink(probe);
  }

  async close(): Promise<void> {
    // Nothing is held open between calls.
  }

  private pathOf(key: string): string {
    assertBlobKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  private async *walk(folder: string, folderKey: string): AsyncGenerator<BlobInfo> {
    let entries: Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (!isKeySegment(entry.name)) {
        if (entry.name.includes(TEMP_MARKER) && entry.isFile()) {
          await this.removeIfAbandoned(path.join(folder, entry.name));
        }
        continue;
      }
      const key = folderKey === '' ? entry.name : `${folderKey}/${entry.name}`;
      const full = path.join(folder, entry.name);
      // Symbolic links are neither followed nor listed: nothing outside the root is reachable.
      if (entry.isDirectory()) {
        yield* this.walk(full, key);
      } else if (entry.isFile()) {
        try {
          const info = await stat(full);
          yield { key, size: info.size, modifiedAt: info.mtime };
        } catch (error) {
          // Deleted between readdir and stat: it is simply not there any more.
          if (!isMissing(error)) throw error;
        }
      }
    }
  }

  /**
   * Removes a temporary file that a crashed writer left behind. The janitor's sweeps list the
   * store regularly, so this is where such files are found; they are never listed as blobs.
   */
  private async removeIfAbandoned(file: string): Promise<void> {
    try {
      const info = await stat(file);
      if (Date.now() - info.mtimeMs > this.abandonedTempMs) await unlink(file);
    } catch {
      // Renamed into place or removed meanwhile: nothing left to clean.
    }
  }

  /** Removes folders left empty by a delete, up to (not including) the root. */
  private async pruneEmptyFolders(folder: string): Promise<void> {
    let current = folder;
    while (current !== this.root && current.startsWith(this.root + path.sep)) {
      try {
        await rmdir(current);
      } catch {
        // Not empty (another blob or a write in progress), already gone, or not ours to remove.
        return;
      }
      current = path.dirname(current);
    }
  }
}

// The callback API on a plain descriptor rather than fs/promises' FileHandle: every blob of every
// request passes here, and a FileHandle (an object tracked for closing on garbage collection,
// writes in 512 KiB steps with a promise each) cost the server 2.5x the main-thread CPU per write.
const writeNewFileFast = promisify(writeFile);
const openFile = promisify(openFd);
const writePieces = promisify(writev);
const syncFile = promisify(fsync);
const closeFile = promisify(close);

/**
 * Writes a new file (never an existing one: temporary names are random) and, when `durable`,
 * flushes it to stable storage before the caller renames it into place. Pieces go out in one
 * gathered write.
 */
async function writeNewFile(file: string, data: PiecedBytes, durable: boolean): Promise<void> {
  if (!durable && !Array.isArray(data)) {
    try {
      await writeNewFileFast(file, data as Uint8Array, { flag: 'wx' });
    } catch (error) {
      // A write that failed half-way (disk full) leaves a part of the file behind.
      if (errorCode(error) !== 'ENOENT') await unlink(file).catch(() => undefined);
      throw error;
    }
    return;
  }
  const fd = await openFile(file, 'wx');
  try {
    let rest = piecesOf(data);
    while (rest.length > 0) {
      const { bytesWritten } = await writePieces(fd, rest as Uint8Array[]);
      rest = piecesAfter(rest, bytesWritten);
    }
    if (durable) await syncFile(fd);
  } catch (error) {
    await closeFile(fd).catch(() => undefined);
    await unlink(file).catch(() => undefined);
    throw error;
  }
  await closeFile(fd);
}

/** What remains of `pieces` once their first `written` bytes are written (a short write). */
function piecesAfter(pieces: readonly Uint8Array[], written: number): Uint8Array[] {
  const rest: Uint8Array[] = [];
  let skip = written;
  for (const piece of pieces) {
    if (skip >= piece.byteLength) {
      skip -= piece.byteLength;
      continue;
    }
    rest.push(skip > 0 ? piece.subarray(skip) : piece);
    skip = 0;
  }
  return rest;
}

/** Flushes a folder's entries so a rename survives a crash; some network file systems refuse it. */
async function syncFolder(folder: string): Promise<void> {
  try {
    const fd = await openFile(folder, 'r');
    try {
      await syncFile(fd);
    } finally {
      await closeFile(fd);
    }
  } catch {
    // EINVAL/EISDIR/EPERM on file systems without directory fsync: the rename itself is still atomic.
  }
}

function isKeySegment(name: string): boolean {
  return /^[A-Za-z0-9._-]+$/.test(name) && name !== '.' && name !== '..';
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** A key that is absent, or that names a folder (a prefix of other keys) rather than a blob. */
function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

/**
 * Runs a read, looking the file up once more on ESTALE. Network mounts (GlusterFS, NFS) answer
 * ESTALE when another client replaced or deleted the file behind a cached handle; a fresh
 * lookup finds the new file, or none, and a second ESTALE is taken as none.
 */
export async function retryStale<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (errorCode(error) !== 'ESTALE') throw error;
  }
  try {
    return await read();
  } catch (error) {
    if (errorCode(error) === 'ESTALE') return undefined;
    throw error;
  }
}
