/**
 * Kraken's optimization options (B1.4, B1.5) as Squish's OptimizePlan. Validates with messages
 * that name Kraken's fields, then lets parsePlan check the whole plan once more.
 */
import { invalidOption, SquishError } from '../../errors/index.js';
import {
  type AppearanceMetadata,
  type ChromaSubsampling,
  type ImageFormat,
  MAX_OUTPUTS,
  type OptimizePlan,
  type OutputSpec,
  type PlanInput,
  parseColour,
  parsePlan,
} from '../../plan/index.js';
import { integerish, isPlainObject, readFlag } from './lenient-values.js';
import { krakenResizeInput } from './resize-options.js';

/** What the options say besides the plan. */
export interface KrakenPlan {
  plan: OptimizePlan;
  /** `convert.keep_extension`: the output keeps the original file name's extension. */
  keepExtension: boolean;
  /** `dev`: Kraken's sandbox, processed end to end but not counted against the quota. */
  dev: boolean;
}

/** Kraken's external stores: the result would be pushed to the user's bucket instead of kraked_url. */
export const EXTERNAL_STORES = ['s3_store', 'azure_store', 'cf_store', 'sl_store', 'gcs_store'] as const;

const SAMPLING: Readonly<Record<string, ChromaSubsampling>> = {
  '4:2:0': '4:2:0',
  '4:2:2': '4:2:2',
  '4:4:4': '4:4:4',
  // kraken-net sends "4:2:4" for its S444 value (a client typo); it means 4:4:4.
  '4:2:4': '4:4:4',
};

/** Kraken documents jpeg, png and gif; webp and avif are Squish extensions the engine also writes. */
const CONVERT_FORMATS: Readonly<Record<string, ImageFormat>> = {
  jpeg: 'jpeg',
  jpg: 'jpeg',
  png: 'png',
  gif: 'gif',
  webp: 'webp',
  avif: 'avif',
};

const META_GROUPS = ['profile', 'date', 'copyright', 'geotag', 'orientation'] as const;

/**
 * Maps the options object of a Kraken request (auth, wait and callback_url are read elsewhere and
 * ignored here, as are unknown fields such as `origin`).
 * @throws SquishError INVALID_OPTION naming the first wrong Kraken field, or an external store
 *   (not supported yet: refusing is better than silently not uploading to the user's bucket).
 */
export function krakenOptionsToPlan(options: Record<string, unknown>): KrakenPlan {
  for (const store of EXTERNAL_STORES) {
    if (options[store] !== undefined && options[store] !== null) {
      throw new SquishError(
        'INVALID_OPTION',
        `\`${store}\` is not supported by this server yet: results are only served from kraked_url. ` +
          'Remove the option and download the result from kraked_url.',
      );
    }
  }
  const input: PlanInput = {
    ...lossyAndQuality(options, ''),
    keep: keepFromPreserveMeta(options.preserve_meta),
  };
  const format = outputFormat(options);
  if (format) input.format = format;
  const convert = options.convert;
  if (isPlainObject(convert) && convert.background !== undefined && convert.background !== null) {
    parseColour(convert.background, 'convert.background'); // validated here to name Kraken's field
    input.background = convert.background;
  }
  const autoOrient = readFlag(options.auto_orient, 'auto_orient');
  if (autoOrient !== undefined) input.autoOrient = autoOrient;

  const resize = options.resize;
  if (Array.isArray(resize)) input.outputs = imageSet(resize);
  else if (resize !== undefined && resize !== null)
    input.resize = krakenResizeInput(resize, 'resize') as unknown as PlanInput['resize'];

  const keepExtension = isPlainObject(convert)
    ? (readFlag(convert.keep_extension, 'convert.keep_extension') ?? false)
    : false;
  return { plan: parsePlan(input), keepExtension, dev: readFlag(options.dev, 'dev') ?? false };
}

/**
 * lossy, quality and sampling_scheme, at the top level or in one image-set entry. A quality
 * implies lossy even when `lossy: false` is sent with it: quality is a lossy encoder setting
 * (kraken-java forces lossy:true whenever it sends a quality), so asking for one means lossy.
 */
function lossyAndQuality(
  raw: Record<string, unknown>,
  prefix: string,
): { lossy?: boolean; quality?: number; chromaSubsampling?: ChromaSubsampling } {
  const out: { lossy?: boolean; quality?: number; chromaSubsampling?: ChromaSubsampling } = {};
  const lossy = readFlag(raw.lossy, `${prefix}lossy`);
  if (lossy !== undefined) out.lossy = lossy;
  if (raw.quality !== undefined && raw.quality !== null) {
    const quality = integerish(raw.quality);
    if (!Number.isInteger(quality) || (quality as number) < 1 || (quality as number) > 100) {
      throw invalidOption(`${prefix}quality`, 'an integer from 1 to 100', raw.quality);
    }
    out.quality = quality as number;
    out.lossy = true;
  }
  if (raw.sampling_scheme !== undefined && raw.sampling_scheme !== null) {
    const scheme = SAMPLING[String(raw.sampling_scheme).trim()];
    if (!scheme)
      throw invalidOption(`${prefix}sampling_scheme`, 'one of 4:2:0, 4:2:2, 4:4:4', raw.sampling_scheme);
    out.chromaSubsampling = scheme;
  }
  return out;
}

/**
 * What `preserve_meta` keeps. Kraken strips everything not listed, including the ICC profile and
 * the orientation. Squish keeps those two by default anyway, and deliberately: dropping the ICC
 * profile of an Adobe RGB or Display P3 photo makes every viewer show it in washed-out or shifted
 * colours, and dropping the orientation of a camera JPEG shows it on its side. Neither is an
 * "optimization" a user asked for; their cost is a few hundred bytes (an sRGB profile is often
 * dropped by the codecs as redundant anyway). `profile` and `orientation` are therefore accepted
 * and change nothing; `date`, `copyright` and `geotag` are kept only when listed, as in Kraken.
 */
function keepFromPreserveMeta(value: unknown): Partial<AppearanceMetadata> {
  const keep: Partial<AppearanceMetadata> = { icc: true, orientation: true };
  if (value === undefined || value === null) return keep;
  if (!Array.isArray(value))
    throw invalidOption('preserve_meta', `an array of ${META_GROUPS.join(', ')}`, value);
  for (const group of value as unknown[]) {
    if (!(META_GROUPS as readonly unknown[]).includes(group)) {
      throw invalidOption('preserve_meta', `an array of ${META_GROUPS.join(', ')}`, value);
    }
    if (group === 'date' || group === 'copyright' || group === 'geotag') keep[group] = true;
  }
  return keep;
}

/** `webp: true` or `convert.format`; both at once is a contradiction the caller should hear about. */
function outputFormat(options: Record<string, unknown>): ImageFormat | undefined {
  const webp = readFlag(options.webp, 'webp');
  const convert = options.convert;
  if (convert !== undefined && convert !== null && !isPlainObject(convert)) {
    throw invalidOption('convert', 'an object {format, background, keep_extension}', convert);
  }
  const requested = convert?.format;
  if (requested === undefined || requested === null) return webp ? 'webp' : undefined;
  const format = CONVERT_FORMATS[String(requested).trim().toLowerCase()];
  if (!format) throw invalidOption('convert.format', 'one of jpeg, png, gif (or webp, avif)', requested);
  if (webp && format !== 'webp') {
    throw new SquishError(
      'INVALID_OPTION',
      `\`webp: true\` and \`convert.format: ${JSON.stringify(requested)}\` ask for two different formats; send one of them.`,
    );
  }
  return format;
}

/** `resize` as an array: an image set of up to 10 entries, each with a unique id. */
function imageSet(entries: unknown[]): OutputSpec[] {
  if (entries.length < 1 || entries.length > MAX_OUTPUTS) {
    throw invalidOption('resize', `an object, or an array of 1 to ${MAX_OUTPUTS} objects`, entries);
  }
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const name = `resize[${index}]`;
    if (!isPlainObject(entry)) throw invalidOption(name, 'an object with an id and a strategy', entry);
    const id = entry.id;
    const validId = (typeof id === 'string' && id.length > 0 && id.length <= 100) || Number.isInteger(id);
    if (!validId) throw invalidOption(`${name}.id`, 'a string of 1 to 100 characters or an integer', id);
    if (seen.has(String(id))) throw invalidOption(`${name}.id`, 'an id used once in the set', id);
    seen.add(String(id));
    const resize = krakenResizeInput(entry, name) as unknown as OutputSpec['resize'];
    return { id: String(id), resize, ...lossyAndQuality(entry, `${name}.`) };
  });
}
