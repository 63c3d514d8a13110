/** The corpus layout: one folder per category, files directly inside. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Files of `folder` sorted by name (empty when the folder does not exist), first `limit` only. */
export async function listFiles(folder: string, limit?: number): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  const files = entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
  return (limit === undefined ? files : files.slice(0, limit)).map((name) => join(folder, name));
}
