/**
 * Removing what never changes how a GIF looks: comments, and application extensions other than
 * the loop count (and the ICC profile, when the plan keeps it). Done both inside gifsicle (its
 * flags) and, without re-encoding anything, directly on the input's bytes: on files that -O3
 * cannot improve, the input minus its comments is the smallest lossless result.
 */
import { type GifStructure, ICC_APPLICATION } from '../../decode/gif-structure.js';

const COMMENT = 0xfe;
const APPLICATION = 0xff;
const LOOP_APPLICATIONS = new Set(['NETSCAPE2.0', 'ANIMEXTS1.0']);

/**
 * gifsicle flags with the same effect. `--no-extensions` drops every application extension but
 * the loop count (which gifsicle keeps apart), so it is left out when an ICC profile must stay.
 */
export function gifsicleStripArgs(structure: GifStructure, keepIcc: boolean): string[] {
  const args = ['--no-comments', '--no-names'];
  if (!(keepIcc && structure.hasIccProfile)) args.push('--no-extensions');
  return args;
}

/** The input without its invisible extension blocks, or undefined when it has none. */
export function stripInvisibleBlocks(
  input: Uint8Array,
  structure: GifStructure,
  keepIcc: boolean,
): Uint8Array | undefined {
  const removed = structure.extensions.filter(
    (extension) =>
      extension.label === COMMENT ||
      (extension.label === APPLICATION &&
        !LOOP_APPLICATIONS.has(extension.application ?? '') &&
        !(keepIcc && extension.application === ICC_APPLICATION)),
  );
  if (removed.length === 0) return undefined;
  const size = input.length - removed.reduce((sum, block) => sum + block.end - block.start, 0);
  const output = new Uint8Array(size);
  let from = 0;
  let to = 0;
  for (const block of removed) {
    output.set(input.subarray(from, block.start), to);
    to += block.start - from;
    from = block.end;
  }
  output.set(input.subarray(from), to);
  return output;
}
