/**
 * Turns the paths given to `squish optimize` into the list of files to process and where each
 * one's output goes, refusing any layout that would overwrite an input or write two inputs to the
 * same output.
 */
import type { Dirent, Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { UsageError } from '../usage-error.js';

/** One file to optimize. */
export interface InputFile {
  /** The path as the user would write it: the argument, or the argument joined with the walked name. */
  path: string;
  /** Absolute path of the input. */
  absolute: string;
  /** Name of the output relative to --out: the basename for a file argument, the walked path for a folder. */
  relative: string;
  /** The path as the user would write it for the output: --out joined with `relative`. */
  output: string;
  /** Absolute path of the output. */
  outputAbsolute: string;
}

/** A path and its relative name, found by walking. */
interface Found {
  absolute: string;
  relative: string;
}

function isHidden(name: string): boolean {
  return name.startsWith('.');
}

/** `stat` that answers undefined for a path that cannot be reached (dangling link, no permission). */
async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

/** Real path of `path`, or its absolute path when it does not exist (yet). */
async function realOrResolved(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return resolve(path);
  }
}

/**
 * Walks `root` recursively in name order. Hidden files and folders are skipped; symbolic links are
 * followed, but a folder already visited (a link loop, or two links to one folder) is entered only
 * once. Entries that are neither files nor folders (sockets, FIFOs) are skipped: reading a FIFO
 * would block. Dangling links are kept, so that reading them reports the problem.
 */
async function walk(root: string, rootStats: Stats, skip: readonly string[]): Promise<Found[]> {
  const found: Found[] = [];
  const visited = new Set<string>();
  const visit = async (dir: string, dirStats: Stats, prefix: string): Promise<void> => {
    const key = `${dirStats.dev}:${dirStats.ino}`;
    if (visited.has(key)) return;
    visited.add(key);
    // The output folder is skipped below a given folder, never as the given folder itself: that
    // case is an --out onto the inputs, which checkOutputs refuses with a clear message.
    if (prefix && skip.includes(await realOrResolved(dir))) return;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      throw new UsageError(`Cannot read the folder ${dir}: ${(error as Error).message}`);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (isHidden(entry.name)) continue;
      const absolute = join(dir, entry.name);
      const name = prefix ? `${prefix}/${entry.name}` : entry.name;
      const stats = entry.isSymbolicLink() ? await statOrUndefined(absolute) : undefined;
      if (entry.isDirectory() || stats?.isDirectory()) {
        await visit(absolute, stats ?? (await stat(absolute)), name);
      } else if (entry.isFile() || stats?.isFile() || (entry.isSymbolicLink() && !stats)) {
        found.push({ absolute, relative: name });
      }
    }
  };
  await visit(root, rootStats, '');
  return found;
}

/**
 * The files named by `args` (files, or folders walked recursively) with their output paths under
 * `out`.
 * @param outputNames every output name (relative to `out`) an input may be written to, when a plan
 *   renames or multiplies outputs (conversion, image sets); default: its relative name only.
 * @throws UsageError when an argument cannot be read, when an output would land on an input, or
 *   when two different inputs would be written to the same output.
 */
export async function collectInputs(
  args: readonly string[],
  out: string,
  outputNames: (relative: string) => readonly string[] = (relative) => [relative],
): Promise<InputFile[]> {
  const outAbsolute = resolve(out);
  // The output folder is skipped while walking, so a second run over `photos --out photos/small`
  // does not pick up the first run's outputs.
  const skip = [outAbsolute, await realOrResolved(outAbsolute)];
  const inputs: InputFile[] = [];
  for (const arg of args) {
    const stats = await statOrUndefined(arg);
    if (!stats) throw new UsageError(`Cannot read ${arg}: no such file or folder (or no permission)`);
    let found: Found[];
    if (stats.isDirectory()) found = await walk(resolve(arg), stats, skip);
    else if (stats.isFile()) found = [{ absolute: resolve(arg), relative: basename(arg) }];
    else throw new UsageError(`${arg} is neither a file nor a folder`);
    for (const file of found) {
      const display = stats.isDirectory() ? join(arg, file.relative) : arg;
      inputs.push({
        path: display,
        absolute: file.absolute,
        relative: file.relative,
        output: join(out, file.relative),
        outputAbsolute: join(outAbsolute, file.relative),
      });
    }
  }
  return checkOutputs(inputs, (input) =>
    outputNames(input.relative).map((name) => ({
      output: join(out, name),
      outputAbsolute: join(outAbsolute, name),
    })),
  );
}

/**
 * Drops repeated inputs (the same file named twice) and refuses outputs that collide with an input
 * or with each other's.
 */
async function checkOutputs(
  inputs: InputFile[],
  outputsOf: (input: InputFile) => { output: string; outputAbsolute: string }[],
): Promise<InputFile[]> {
  const realInputs = new Map<string, InputFile>();
  for (const input of inputs) {
    const real = await realOrResolved(input.absolute);
    if (!realInputs.has(real)) realInputs.set(real, input);
  }
  const byOutput = new Map<string, InputFile>();
  const kept: InputFile[] = [];
  for (const input of realInputs.values()) {
    for (const { output, outputAbsolute } of outputsOf(input)) {
      // realpath of the output catches an --out that reaches an input through a symbolic link.
      const outputReal = await realOrResolved(outputAbsolute);
      const overwritten = realInputs.get(outputReal) ?? realInputs.get(outputAbsolute);
      if (overwritten) {
        throw new UsageError(
          `Refusing to overwrite the input ${overwritten.path}: choose an --out folder outside the inputs`,
        );
      }
      const previous = byOutput.get(outputAbsolute);
      if (previous && previous !== input) {
        throw new UsageError(
          `${previous.path} and ${input.path} would both be written to ${output}; optimize them in separate runs`,
        );
      }
      byOutput.set(outputAbsolute, input);
    }
    kept.push(input);
  }
  return kept;
}
