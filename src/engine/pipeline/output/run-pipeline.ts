/**
 * The engine's pipeline for plans that transform, convert or ask for an image set: decode once,
 * then per output and per candidate format derive the pixels (applyTransforms) and encode them
 * (encodeOutput), keeping the smallest format of a "smallest of" list.
 *
 * An output whose pixels come out unchanged in the input's own format goes through the codec on
 * the input bytes instead (byte path): only there does "never larger than the input" apply, since
 * an asked-for transform or conversion must be delivered even when it is bigger.
 */
import { invalidOption, SquishError } from '../../../errors/index.js';
import type { FormatChoice, OptimizePlan, OutputSpec } from '../../../plan/index.js';
import type { EngineLimits } from '../../limits.js';
import { readMetadata, type SourceMetadata } from '../../metadata/index.js';
import type { Candidate, ImageFormat, ImageInfo } from '../../types.js';
import { transformOptionsFor } from '../options.js';
import { transformOnLoad } from '../shrink-on-load.js';
import { decodeSource, type SourceImage } from '../source.js';
import { applyTransforms } from '../transform.js';
import { keepsExtraMetadata, optimizeBytes } from './byte-path.js';
import { encodeOutput } from './encode-output.js';
import type { OutputSettings } from './settings.js';
import { SVG_BASE_DENSITY, svgDensityFor } from './svg-density.js';
import { type SvgRasterSource, svgRasterSource } from './svg-source.js';

/** A source without tags: for outputs that keep only appearance (their orientation comes from the pixels). */
const NO_SOURCE_METADATA: SourceMetadata = { date: {}, copyright: {}, geotag: {}, notes: [] };

/** One delivered output. */
export interface PipelineOutput {
  /** The image-set entry's id (undefined for a single output). */
  id?: string;
  format: ImageFormat;
  candidate: Candidate;
  /**
   * True when the candidate came from the byte path (nothing transformed or converted): the
   * engine then returns the input instead when the candidate is not smaller.
   */
  neverLarger: boolean;
}

/** Whether the plan needs the pipeline rather than the plain byte-level optimizer. */
export function needsPipeline(plan: OptimizePlan, info: ImageInfo): boolean {
  if (plan.outputs !== undefined) return true;
  if (plan.resize !== undefined && plan.resize.strategy !== 'none') return true;
  if (plan.format !== undefined && formatsOf(plan.format).some((format) => format !== info.format))
    return true;
  return plan.autoOrient === true && (info.orientation ?? 1) !== 1;
}

/** The candidate formats of a choice, in the order given. */
export function formatsOf(choice: FormatChoice): ImageFormat[] {
  return typeof choice === 'string' ? [choice] : [...choice];
}

/** What runPipeline delivers. */
export interface PipelineRun {
  /** One output, or one per image-set entry in plan order. */
  outputs: PipelineOutput[];
  /** The input's info; for SVG with the rendered size when it was rasterized (else as given). */
  info: ImageInfo;
}

/**
 * Every output of `plan` for `input` (one, or one per image-set entry, in plan order).
 * @throws SquishError as the codecs, decodeSource and applyTransforms do; INVALID_OPTION for SVG
 *   output from a raster input.
 */
export async function runPipeline(
  input: Uint8Array,
  info: ImageInfo,
  plan: OptimizePlan,
  limits: EngineLimits,
  deadline: number,
): Promise<PipelineRun> {
  // SVG inputs are rasterized from the SVG codec's sanitized document (done once, when needed).
  let svgSource: Promise<SvgRasterSource> | undefined;
  const rasterInput = async (): Promise<{ bytes: Uint8Array; info: ImageInfo }> => {
    if (info.format !== 'svg') return { bytes: input, info };
    svgSource ??= svgRasterSource(input, info, limits, deadline);
    return svgSource;
  };
  const sources = new Map<number, Promise<SourceImage>>();
  const decodeAt = (density: number): Promise<SourceImage> => {
    let source = sources.get(density);
    if (!source) {
      source = rasterInput().then((raster) =>
        decodeSource(raster.bytes, raster.info, limits, { deadline, density }),
      );
      sources.set(density, source);
    }
    return source;
  };
  let metadata: Promise<SourceMetadata> | undefined;
  const sourceMetadata = (): Promise<SourceMetadata> => {
    metadata ??= readMetadata(input, info.format);
    return metadata;
  };

  const entries: (OutputSpec | undefined)[] = plan.outputs ?? [undefined];
  const results: PipelineOutput[] = [];
  // Sequential on purpose: a job runs in one child process with a memory cap, and each output
  // holds its own pixels; the outputs of a set share the decoded source.
  for (const [index, entry] of entries.entries()) {
    const outputPlan = planFor(plan, entry);
    const optionName = entry?.format !== undefined ? `outputs[${index}].format` : 'format';
    const formats = usableFormats(formatsOf(outputPlan.format ?? info.format), info.format, optionName);
    const candidates: { format: ImageFormat; candidate: Candidate; neverLarger: boolean }[] = [];
    for (const format of formats) {
      candidates.push({
        format,
        ...(await oneFormat({
          input,
          info,
          plan: outputPlan,
          entry,
          index,
          format,
          limits,
          deadline,
          decodeAt,
          rasterInfo: async () => (await rasterInput()).info,
          sourceMetadata,
        })),
      });
    }
    const best = candidates.reduce((a, b) => (size(b) < size(a) ? b : a));
    if (candidates.length > 1) {
      const sizes = candidates.map((c) => `${c.format} ${size(c)} B`).join(', ');
      best.candidate = {
        ...best.candidate,
        notes: [...(best.candidate.notes ?? []), `smallest of ${sizes}: ${best.format}`],
      };
    }
    results.push({ ...(entry ? { id: entry.id } : {}), ...best });
  }
  return { outputs: results, info: svgSource ? (await svgSource).info : info };

  /** The delivered size: the input's when the byte path's candidate is not smaller. */
  function size(c: { candidate: Candidate; neverLarger: boolean }): number {
    return c.neverLarger ? Math.min(c.candidate.data.length, input.length) : c.candidate.data.length;
  }
}

/** The plan with an image-set entry's overrides applied (and without the set itself). */
function planFor(plan: OptimizePlan, entry: OutputSpec | undefined): OptimizePlan {
  const { outputs: _outputs, ...base } = plan;
  if (!entry) return base;
  const { id: _id, ...overrides } = entry;
  return { ...base, ...overrides };
}

/** SVG is an output only for SVG input; in a list it is skipped, alone it is an invalid option. */
function usableFormats(formats: ImageFormat[], inputFormat: ImageFormat, optionName: string): ImageFormat[] {
  if (inputFormat === 'svg') return formats;
  const usable = formats.filter((format) => format !== 'svg');
  if (usable.length === 0) {
    throw invalidOption(optionName, 'a raster format (SVG output needs an SVG input)', 'svg');
  }
  return usable;
}

interface FormatJob {
  input: Uint8Array;
  info: ImageInfo;
  plan: OptimizePlan;
  entry: OutputSpec | undefined;
  index: number;
  format: ImageFormat;
  limits: EngineLimits;
  deadline: number;
  decodeAt(density: number): Promise<SourceImage>;
  /** The input's info, with an SVG's rendered size (the headers probe gives SVG none). */
  rasterInfo(): Promise<ImageInfo>;
  sourceMetadata(): Promise<SourceMetadata>;
}

async function oneFormat(job: FormatJob): Promise<{ candidate: Candidate; neverLarger: boolean }> {
  const { input, info, plan, format, limits, deadline } = job;
  if (format === 'svg') {
    // SVG to SVG: the SVG codec on the document. A resize is not applied to vector output.
    const candidate = await optimizeBytes(input, info, plan, limits, deadline);
    const resized = plan.resize !== undefined && plan.resize.strategy !== 'none';
    const notes = resized ? ['SVG output is not resized: SVG scales to any size'] : [];
    return { candidate: { ...candidate, notes: [...(candidate.notes ?? []), ...notes] }, neverLarger: true };
  }
  const density =
    info.format === 'svg' ? svgDensityFor(await job.rasterInfo(), plan.resize, limits) : SVG_BASE_DENSITY;
  const options = transformOptionsFor({
    plan,
    ...(job.entry ? { output: job.entry, outputIndex: job.index } : {}),
    inputFormat: info.format,
    outputFormat: format,
    limits,
    deadline,
  });
  // A single output that scales down is made straight from the input bytes (shrink-on-load); the
  // outputs of a set share one full decode instead.
  const onLoad = job.entry ? undefined : await transformOnLoad(input, info, options, limits);
  const image = onLoad ?? (await applyTransforms(await job.decodeAt(density), options));
  if (image.unchanged && format === info.format) {
    const metadata = keepsExtraMetadata(plan) ? await job.sourceMetadata() : undefined;
    const candidate = await optimizeBytes(input, info, plan, limits, deadline, metadata);
    return { candidate, neverLarger: true };
  }
  if (Date.now() > deadline) throw new SquishError('PROCESSING_TIMEOUT');
  const settings: OutputSettings = {
    lossy: plan.lossy,
    ...(plan.quality !== undefined ? { quality: plan.quality } : {}),
    ...(plan.target !== undefined ? { target: plan.target } : {}),
    ...(plan.chromaSubsampling ? { chromaSubsampling: plan.chromaSubsampling } : {}),
    limits,
  };
  // Only the extra groups need the source's tags; orientation comes from the pixels (image.orientation).
  const tags = keepsExtraMetadata(plan) ? await job.sourceMetadata() : NO_SOURCE_METADATA;
  settings.metadata = { source: tags, keep: plan.keep };
  const candidate = await encodeOutput(image, format, settings, deadline);
  return { candidate, neverLarger: false };
}
