import { readFileSync } from 'node:fs';

/** Squish's version, from package.json (the same relative path from src/ under tsx and dist/). */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}
