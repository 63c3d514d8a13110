import { invalidOption } from '../errors/index.js';
import { parseColour, type Rgba } from './colour.js';
import { IMAGE_FORMATS, type ImageFormat } from './formats.js';
import { parseResize, type ResizeStep } from './resize.js';

/**
 * The default perceptual target of lossy mode, in SSIMULACRA2 points (see README "Lossy mode").
 * 80 is "very high quality": differences are visible only when flipping between the images at 1:1.
 */
export const DEFAULT_LOSSY_TARGET = 80;

/** Most outputs one plan may ask for (an image set). */
export const MAX_OUTPUTS = 10;

export type ChromaSubsampling = '4:2:0' | '4:2:2' | '4:4:4';

/**
 * What the engine keeps of the input's metadata; everything else is stripped. `icc` and
 * `orientation` change how the image looks and are kept by default; the other groups are kept
 * only when asked for.
 */
export interface AppearanceMetadata {
  /** Keep the embedded ICC colour profile (default true). */
  icc: boolean;
  /** Keep the EXIF orientation, so the image still displays upright (default true). */
  orientation: boolean;
  /** Keep capture dates: EXIF DateTimeOriginal/DateTimeDigitized, XMP photoshop:DateCreated (default false). */
  date?: boolean;
  /** Keep rights: EXIF Copyright/Artist, IPTC copyright, XMP dc:creator/dc:rights, photoshop:Credit (default false). */
  copyright?: boolean;
  /** Keep GPS position: latitude, longitude and their references, GPSVersionID (default false). */
  geotag?: boolean;
}

/** An output format, or a list meaning "whichever of these is smallest". */
export type FormatChoice = ImageFormat | readonly ImageFormat[];

/** What may differ between the outputs of an image set. */
export interface OutputOverrides {
  resize?: ResizeStep;
  format?: FormatChoice;
  lossy?: boolean;
  quality?: number;
  target?: number;
  chromaSubsampling?: ChromaSubsampling;
}

/** One output of an image set: the plan's settings with these overrides. */
export interface OutputSpec extends OutputOverrides {
  id: string;
}

/**
 * One optimization request, as the engine sees it: typed, validated once at the edge, and
 * serializable (it is the job payload between processes and machines).
 */
export interface OptimizePlan {
  /** false: every output pixel equals the input's. true: aim at a perceptual target. */
  lossy: boolean;
  /** 1 to 100: a fixed encoder quality instead of the perceptual search (lossy only). */
  quality?: number;
  /** SSIMULACRA2 score the lossy search aims at (default {@link DEFAULT_LOSSY_TARGET}). */
  target?: number;
  /** JPEG chroma subsampling; chosen per image when absent. */
  chromaSubsampling?: ChromaSubsampling;
  /** Metadata to keep; everything else is stripped. */
  keep: AppearanceMetadata;
  /** Resize or crop the output. */
  resize?: ResizeStep;
  /** Convert to this format (or the smallest of several); default: the input's format. */
  format?: FormatChoice;
  /** Colour that transparency is flattened onto when the output format has no alpha (default white). */
  background?: Rgba;
  /** Rotate the pixels as the EXIF orientation says and drop the tag. */
  autoOrient?: boolean;
  /** Several outputs from one decode (an image set); each inherits the settings above. */
  outputs?: OutputSpec[];
}

export const DEFAULT_PLAN: Readonly<OptimizePlan> = Object.freeze({
  lossy: false,
  keep: Object.freeze({ icc: true, orientation: true }),
});

const SUBSAMPLING: readonly ChromaSubsampling[] = ['4:2:0', '4:2:2', '4:4:4'];
const KEEP_FLAGS = ['icc', 'orientation', 'date', 'copyright', 'geotag'] as const;

/** A plan as it may arrive from outside: loosely typed, to be validated. */
export type PlanInput = Partial<Omit<OptimizePlan, 'keep' | 'background'>> & {
  keep?: Partial<AppearanceMetadata>;
  background?: unknown;
};

/**
 * Validates a plan built from untrusted input and fills its defaults.
 * @throws SquishError INVALID_OPTION naming the first wrong field.
 */
export function parsePlan(input: PlanInput = {}): OptimizePlan {
  const lossy = input.lossy ?? DEFAULT_PLAN.lossy;
  if (typeof lossy !== 'boolean') throw invalidOption('lossy', 'a boolean', input.lossy);
  const keep = { ...DEFAULT_PLAN.keep, ...input.keep };
  for (const key of KEEP_FLAGS) {
    if (keep[key] !== undefined && typeof keep[key] !== 'boolean') {
      throw invalidOption(`keep.${key}`, 'a boolean', keep[key]);
    }
  }
  const plan: OptimizePlan = { lossy, keep, ...parseOverrides(input, '') };
  if (input.background !== undefined) plan.background = parseColour(input.background, 'background');
  if (input.autoOrient !== undefined) {
    if (typeof input.autoOrient !== 'boolean')
      throw invalidOption('autoOrient', 'a boolean', input.autoOrient);
    plan.autoOrient = input.autoOrient;
  }
  if (input.outputs !== undefined) plan.outputs = parseOutputs(input.outputs);
  return plan;
}

function parseOutputs(input: unknown): OutputSpec[] {
  if (!Array.isArray(input) || input.length < 1 || input.length > MAX_OUTPUTS) {
    throw invalidOption('outputs', `an array of 1 to ${MAX_OUTPUTS} outputs`, input);
  }
  const seen = new Set<string>();
  return input.map((entry: unknown, index) => {
    const name = `outputs[${index}]`;
    if (typeof entry !== 'object' || entry === null) throw invalidOption(name, 'an object with an id', entry);
    const raw = entry as Record<string, unknown>;
    if (
      !(typeof raw.id === 'string' && raw.id.length > 0 && raw.id.length <= 100) &&
      !Number.isInteger(raw.id)
    ) {
      throw invalidOption(`${name}.id`, 'a string of 1 to 100 characters or an integer', raw.id);
    }
    const id = String(raw.id);
    if (seen.has(id)) throw invalidOption(`${name}.id`, 'an id used once in the set', raw.id);
    seen.add(id);
    if (raw.lossy !== undefined && typeof raw.lossy !== 'boolean') {
      throw invalidOption(`${name}.lossy`, 'a boolean', raw.lossy);
    }
    const spec: OutputSpec = { id, ...parseOverrides(raw, `${name}.`) };
    if (raw.lossy !== undefined) spec.lossy = raw.lossy as boolean;
    return spec;
  });
}

/** The settings a plan and an image-set entry share, validated; `prefix` names them in messages. */
function parseOverrides(raw: Record<string, unknown> | PlanInput, prefix: string): OutputOverrides {
  const input = raw as Record<string, unknown>;
  const out: OutputOverrides = {};
  if (input.quality !== undefined) {
    const q = input.quality;
    if (!Number.isInteger(q) || (q as number) < 1 || (q as number) > 100) {
      throw invalidOption(`${prefix}quality`, 'an integer from 1 to 100', q);
    }
    out.quality = q as number;
  }
  if (input.target !== undefined) {
    const t = input.target;
    if (typeof t !== 'number' || !(t >= 30 && t <= 100))
      throw invalidOption(`${prefix}target`, 'a number from 30 to 100', t);
    out.target = t;
  }
  if (input.chromaSubsampling !== undefined) {
    const c = input.chromaSubsampling as ChromaSubsampling;
    if (!SUBSAMPLING.includes(c)) {
      throw invalidOption(`${prefix}chromaSubsampling`, `one of ${SUBSAMPLING.join(', ')}`, c);
    }
    out.chromaSubsampling = c;
  }
  if (input.resize !== undefined) out.resize = parseResize(input.resize, `${prefix}resize`);
  if (input.format !== undefined) out.format = parseFormatChoice(input.format, `${prefix}format`);
  return out;
}

function parseFormatChoice(input: unknown, name: string): FormatChoice {
  const expected = `one of ${IMAGE_FORMATS.join(', ')}, or a non-empty list of them`;
  const isFormat = (value: unknown): value is ImageFormat => IMAGE_FORMATS.includes(value as ImageFormat);
  if (isFormat(input)) return input;
  if (Array.isArray(input) && input.length > 0 && input.every(isFormat)) return [...new Set(input)];
  throw invalidOption(name, expected, input);
}
