/**
 * Progressive scan scripts for jpegtran's `-scans`, tuned on the JPEG corpus (24 files, 23 of
 * them YCbCr) against libjpeg-turbo's default progression (`-progressive`):
 *
 * - SEPARATE_DC: the default script, but DC coded in one scan per component and without successive
 *   approximation. Smaller than the default on 21/23 files (median -0.25 %, total -0.19 %).
 * - CHROMA_REFINED: DC as one interleaved scan without approximation, and chroma AC sent in three
 *   successive-approximation steps like luma. Together with SEPARATE_DC and a baseline run it
 *   saves 0.36 % of the corpus total over the best of baseline and default progressive.
 *
 * (mozjpeg's jpegtran searches such scripts per image; it is not installable here, see
 * notes/codecs.md, so a fixed pair measured on real photos stands in.) Both need exactly three
 * components; other images use the default progression.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SEPARATE_DC = `
0: 0-0, 0, 0;
1: 0-0, 0, 0;
2: 0-0, 0, 0;
0: 1-5, 0, 2;
2: 1-63, 0, 1;
1: 1-63, 0, 1;
0: 6-63, 0, 2;
0: 1-63, 2, 1;
2: 1-63, 1, 0;
1: 1-63, 1, 0;
0: 1-63, 1, 0;
`;

export const CHROMA_REFINED = `
0,1,2: 0-0, 0, 0;
0: 1-5, 0, 2;
2: 1-63, 0, 2;
1: 1-63, 0, 2;
0: 6-63, 0, 2;
0: 1-63, 2, 1;
2: 1-63, 2, 1;
1: 1-63, 2, 1;
2: 1-63, 1, 0;
1: 1-63, 1, 0;
0: 1-63, 1, 0;
`;

let directory: string | undefined;
const written = new Map<string, string>();

/**
 * Path of a file holding `script`: jpegtran reads scan scripts only from a file, and its stdin
 * carries the image. Files live in a private directory created once per process and removed at exit.
 */
export function scanScriptFile(name: string, script: string): string {
  const existing = written.get(name);
  if (existing) return existing;
  if (!directory) {
    const dir = mkdtempSync(join(tmpdir(), 'squish-jpeg-'));
    directory = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  const path = join(directory, `${name}.txt`);
  writeFileSync(path, script);
  written.set(name, path);
  return path;
}
