/**
 * The operator files of deploy/ as the tests use them: read from deploy/ itself (never copies)
 * and rendered by replacing the placeholders each file documents in its header. Nothing else in
 * the file is touched, so what the tests run is what an operator installs.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The deploy/ folder of this checkout. */
export const DEPLOY_DIR = fileURLToPath(new URL('../../deploy/', import.meta.url));

const PLACEHOLDER = /@([A-Z][A-Z0-9_]*)@/g;

/** A deploy file's text, by its path under deploy/. */
export function deployFile(relativePath: string): string {
  return readFileSync(`${DEPLOY_DIR}${relativePath}`, 'utf8');
}

/** The placeholders a file uses outside its comments (what must be given to render it). */
export function placeholdersUsed(text: string): Set<string> {
  const used = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.trimStart().startsWith('#')) continue;
    for (const match of line.matchAll(PLACEHOLDER)) used.add(match[1]!);
  }
  return used;
}

/** The placeholders a file documents in its comments (`#   @NAME@  meaning`). */
export function placeholdersDocumented(text: string): Set<string> {
  const documented = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^\s*#\s+@([A-Z][A-Z0-9_]*)@\s+\S/.exec(line);
    if (match) documented.add(match[1]!);
  }
  return documented;
}

/**
 * Renders a deploy file: every placeholder used is replaced by its value.
 * @throws when a placeholder is used but not documented in the file, when a value is missing,
 *   or when a value is given for a placeholder the file does not use
 */
export function renderDeployFile(relativePath: string, values: Readonly<Record<string, string>>): string {
  const text = deployFile(relativePath);
  const used = placeholdersUsed(text);
  const documented = placeholdersDocumented(text);
  for (const name of used) {
    if (!documented.has(name)) throw new Error(`${relativePath}: @${name}@ is used but not documented`);
    if (values[name] === undefined) throw new Error(`${relativePath}: no value for @${name}@`);
  }
  for (const name of Object.keys(values)) {
    if (!used.has(name)) throw new Error(`${relativePath}: @${name}@ is not a placeholder of this file`);
  }
  return text
    .split('\n')
    .map((line) =>
      line.trimStart().startsWith('#')
        ? line
        : line.replace(PLACEHOLDER, (_whole, name: string) => values[name]!),
    )
    .join('\n');
}
