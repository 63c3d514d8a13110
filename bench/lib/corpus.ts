/** The corpus layout: one folder per category, files directly inside. */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared corpus beside the checkout (`../shared/corpus`), where the benchmarks read by default. */
export const DEFAULT_CORPUS = fileURLToPath(new URL('../../../shared/corpus', import.meta.url));

/**
 * The path of `relative` in the default corpus.
 * @throws Error naming the corpus when the file is not there (a checkout without the corpus beside it).
 */
export function corpusFile(relative: string): string {
  const path = join(DEFAULT_CORPUS, relative);
  if (!existsSync(path)) {
    throw new Error(
      `${path} not found: the benchmarks read the shared corpus at ../shared/corpus beside the checkout`,
    );
  }
  return path;
}

/** Files of `folder` sorted by name (empty when the folder does not exist), first `limit` only. */
export async function listFiles(folder: string, limit?: number): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  const files = entries
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
  return (limit === undefined ? files : files.slice(0, limit)).map((name) => join(folder, name));
}
