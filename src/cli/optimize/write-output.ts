/**
 * Writes one output file. The bytes go to a temporary file next to the target, renamed into place
 * when complete, so an interrupted run never leaves a truncated image under --out.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Writes `data` to `path`, creating its folders; replaces an existing file at `path`. */
export async function writeOutput(path: string, data: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // Hidden, so that a leftover from a killed run is skipped when a later run walks this folder.
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  try {
    await writeFile(temporary, data);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
