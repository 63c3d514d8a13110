/**
 * Output file names of `squish optimize` when the plan converts or makes image sets:
 * - An output keeps its input's relative name unless its format changed at the plan's request:
 *   then the image extension is replaced by the new format's (photo.png → photo.webp), or appended
 *   when the name has no image extension (scan.001 → scan.001.webp, so that scan.002 cannot
 *   collide with it).
 * - Each output of an image set gets its id before the extension: photo.jpg → photo.small.jpg,
 *   photo.png converted to WebP → photo.small.webp.
 * The format of a "smallest of" list is known only after the engine ran, so the collision checks
 * before the run use every name an input may get (possibleOutputNames).
 */
import { extname } from 'node:path';
import {
  FORMAT_EXTENSION as EXTENSION,
  IMAGE_EXTENSIONS,
  type ImageFormat,
  type OptimizePlan,
} from '../../plan/index.js';
import { UsageError } from '../usage-error.js';

/** What decides one output's name. */
export interface OutputNaming {
  /** The image-set entry's id, for sets. */
  id?: string;
  /** The new format, only when the plan asked for a format and the output's differs from the input's. */
  convertedTo?: ImageFormat;
}

/** The relative output name for the input named `relative` (see the module comment). */
export function outputName(relative: string, naming: OutputNaming = {}): string {
  const extension = extname(relative);
  const isImageExtension = IMAGE_EXTENSIONS.has(extension.toLowerCase());
  const stem = isImageExtension ? relative.slice(0, -extension.length) : relative;
  const kept = isImageExtension ? extension : '';
  const suffix = naming.convertedTo ? EXTENSION[naming.convertedTo] : kept;
  return `${stem}${naming.id !== undefined ? `.${naming.id}` : ''}${suffix}`;
}

/**
 * Every name an output of the input named `relative` may get under `plan`: the unchanged name
 * (the input may already be in the asked-for format) and one per format it may be converted to.
 */
export function possibleOutputNames(relative: string, plan: OptimizePlan): string[] {
  const names = new Set<string>();
  const entries = plan.outputs ?? [{ id: undefined, format: undefined }];
  for (const entry of entries) {
    const choice = entry.format ?? plan.format;
    names.add(outputName(relative, { id: entry.id }));
    const formats: readonly ImageFormat[] =
      choice === undefined ? [] : typeof choice === 'string' ? [choice] : choice;
    for (const format of formats) names.add(outputName(relative, { id: entry.id, convertedTo: format }));
  }
  return [...names];
}

/** Ids that are safe inside a file name: no folder separators, no "..", not hidden. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Refuses image-set ids that cannot be part of a file name (ids come from --plan files: "../x"
 * must not write outside --out).
 * @throws UsageError naming the entry.
 */
export function checkOutputIds(plan: OptimizePlan): void {
  plan.outputs?.forEach((output, index) => {
    if (!SAFE_ID.test(output.id) || output.id.includes('..')) {
      throw new UsageError(
        `--plan: outputs[${index}].id ${JSON.stringify(output.id)} cannot be part of a file name (expected letters, digits, "_", "-" and ".", starting with a letter or digit)`,
      );
    }
  });
}
