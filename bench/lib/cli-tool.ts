/**
 * Runs a reference command-line tool for the benchmark and reports its peak memory.
 *
 * Unlike the engine's runTool this wraps the command in GNU time (`/usr/bin/time -f %M`) so the
 * table can show each tool's peak RSS, and it can hand the tool a temporary file for the tools that
 * cannot read stdin (optipng).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool } from '../../src/engine/tools/run-tool.js';

const GNU_TIME = '/usr/bin/time';
const hasGnuTime = existsSync(GNU_TIME);

export interface CliResult {
  exitCode: number;
  stdout: Buffer;
  stderr: string;
  peakRssBytes?: number;
}

/** Kills a reference tool that runs longer than this; the benchmark reports it as an error. */
const TOOL_TIMEOUT_MS = 120_000;

/**
 * Runs `name args...` with `input` on stdin. Resolves with the exit code, whatever it is; rejects
 * when the tool is missing or times out.
 */
export async function runCli(name: string, args: readonly string[], input?: Uint8Array): Promise<CliResult> {
  const path = findTool(name);
  if (!path) throw new Error(`${name} is not installed`);
  const rssFile = hasGnuTime ? join(scratchFolder(), `rss-${++rssFiles}`) : undefined;
  const [command, commandArgs] = rssFile
    ? [GNU_TIME, ['-f', '%M', '-o', rssFile, path, ...args]]
    : [path, [...args]];
  const result = await new Promise<CliResult>((resolve, reject) => {
    const child = spawn(command, commandArgs, { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not finish within ${TOOL_TIMEOUT_MS} ms`));
    }, TOOL_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8');
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? 1, stdout: Buffer.concat(chunks), stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? new Uint8Array(0));
  });
  if (rssFile) {
    // GNU time writes "Command exited with non-zero status N" before the figure on failures.
    const lines = (await readFile(rssFile, 'utf8').catch(() => '')).trim().split('\n');
    const kilobytes = Number(lines.at(-1));
    if (Number.isFinite(kilobytes) && kilobytes > 0) result.peakRssBytes = kilobytes * 1024;
    await rm(rssFile, { force: true });
  }
  return result;
}

let scratch: string | undefined;
let rssFiles = 0;

/** One temporary folder per benchmark process (creating one per call would add to the tools' times). */
function scratchFolder(): string {
  if (!scratch) {
    const folder = mkdtempSync(join(tmpdir(), 'squish-bench-'));
    scratch = folder;
    process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
  }
  return scratch;
}

/**
 * Runs a tool that only works on files: writes `input` to a temporary file, calls `args(inPath, outPath)`
 * and reads `outPath` back.
 */
export async function runCliOnFiles(
  name: string,
  args: (inPath: string, outPath: string) => string[],
  input: Uint8Array,
  extension: string,
): Promise<CliResult & { output?: Buffer }> {
  const folder = await mkdtemp(join(tmpdir(), 'squish-bench-io-'));
  try {
    const inPath = join(folder, `in.${extension}`);
    const outPath = join(folder, `out.${extension}`);
    await writeFile(inPath, input);
    const result = await runCli(name, args(inPath, outPath));
    const output = await readFile(outPath).catch(() => undefined);
    return output ? { ...result, output } : result;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** Whether a command-line tool is on PATH. */
export function isInstalled(name: string): boolean {
  return findTool(name) !== undefined;
}
