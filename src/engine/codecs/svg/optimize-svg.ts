import type { Config, CustomPlugin } from 'svgo';
import { SquishError } from '../../../errors/index.js';
import { DEFAULT_LOSSY_TARGET } from '../../../plan/index.js';
import { checkDeadline } from '../../deadline.js';
import type { Candidate, CodecContext } from '../../types.js';
import { createAnalysisPlugin, type DocumentFacts, type DocumentSize, readDocumentSize } from './analysis.js';
import { EMBEDDED_DATA_SHARE, embeddedDataShare } from './embedded-data.js';
import { type ResolvedDocument, resolveEntities } from './entities.js';
import { type MinifyLevel, minifyConfig, removesUnreferencedIds } from './minify.js';
import { type MinifyFacts, minifyFacts } from './minify-facts.js';
import { hasOrphanedIds } from './orphaned-ids.js';
import { losslessDecimals, userSpaceExtent } from './precision.js';
import { runSvgo, SvgoRunStopped } from './run-svgo.js';
import {
  createSanitizePlugin,
  describeRemovals,
  emptySanitizeReport,
  removalCount,
  type SanitizeReport,
} from './sanitize.js';
import { decodeSvgText } from './text.js';
import {
  type ReferenceOptions,
  type References,
  type RenderComparison,
  startReferences,
  verifyCandidate,
} from './verify.js';

/** SSIMULACRA2 a lossless-mode result must reach: "visually lossless" on the rasterized pair. */
export const LOSSLESS_MIN_SCORE = 90;
/** Elements instantiated through `<use>`/href references and markers above which no render is attempted. */
export const MAX_REFERENCED_ELEMENTS = 50_000;
/** Lossy mode first tries this many decimals fewer than lossless, coarsest first. */
const LOSSY_DECIMAL_STEPS = [2, 1] as const;
/** Decimals added for the second lossless rung (fixes arcs convertPathData flips, oc-goto.svg). */
const PRECISE_EXTRA_DECIMALS = 2;
/** svgo passes a rung's output may get after its first while it defines ids nothing refers to. */
const MAX_ORPHAN_PASSES = 3;

interface Rung {
  level: MinifyLevel;
  precision?: number;
}

function describeRung(rung: Rung): string {
  if (rung.level === 'structural') return 'svgo structural cleanup';
  const digits = rung.precision ?? 3;
  return `svgo preset-default, ${digits} decimal${digits === 1 ? '' : 's'}`;
}

function roundSize(size: DocumentSize): { width: number; height: number } {
  return { width: Math.round(size.width), height: Math.round(size.height) };
}

function describeChange(measured: boolean, score: number, psnr: number): string {
  if (measured) return `SSIMULACRA2 ${score.toFixed(1)}`;
  return psnr > 0 ? `PSNR ${psnr.toFixed(1)} dB` : 'render size or validity changed';
}

/** Maps a fixed 1–100 quality to decimals below the lossless count (coarser at lower quality). */
function decimalsForQuality(quality: number, lossless: number): number {
  if (quality >= 90) return lossless;
  return Math.max(0, lossless - (quality >= 60 ? 1 : 2));
}

/** The rungs a request tries, in order, and the score each must reach. */
function ladderFor(ctx: CodecContext, decimals: number): { rungs: Rung[]; minScore: number } {
  const lossless: Rung[] = [
    { level: 'preset', precision: decimals },
    { level: 'preset', precision: decimals + PRECISE_EXTRA_DECIMALS },
    { level: 'structural' },
  ];
  if (!ctx.plan.lossy) return { rungs: lossless, minScore: LOSSLESS_MIN_SCORE };
  if (ctx.plan.quality !== undefined) {
    // A fixed quality skips the search but not the render check: it only guards against breakage.
    const precision = decimalsForQuality(ctx.plan.quality, decimals);
    return { rungs: [{ level: 'preset', precision }, ...lossless], minScore: 50 };
  }
  const lossy: Rung[] = LOSSY_DECIMAL_STEPS.map((step) => ({
    level: 'preset',
    precision: Math.max(0, decimals - step),
  }));
  return { rungs: [...lossy, ...lossless], minScore: ctx.plan.target ?? DEFAULT_LOSSY_TARGET };
}

/**
 * Lossy ladders render the full-size reference from the start (see ReferenceOptions.eagerFull),
 * unless the document holds elements whose render cost grows with the pixels (PIXEL_BOUND_ELEMENTS).
 * On the 16 corpus SVGs, 7 of the 12 documents without such elements had a lossy rung that went on
 * to the full size after its preview, and no first lossless rung did. Interleaved through engine
 * processes (lossy, 5 passes): the median document took 67 ms instead of 87, with the same outputs;
 * documents whose rungs the preview all settles pay for the unused render (oc-goto 21 -> 29 ms).
 */
export function referenceOptions(ctx: CodecContext, facts: DocumentFacts): ReferenceOptions {
  return { eagerFull: ctx.plan.lossy && facts.pixelBound === 0 };
}

const encoder = new TextEncoder();

/** What one request needs through the ladder. */
interface Job {
  ctx: CodecContext;
  rungs: Rung[];
  minScore: number;
  /** The text every later rung minifies (with the sanitizer again, as a guard). */
  source: string;
  /** What the minifier must respect in this document. */
  textFacts: MinifyFacts;
  /** The bytes the reference render shows; a candidate must be smaller to be tried. */
  referenceBytes: Uint8Array;
  references: References;
  notes: string[];
  unsafeInput: boolean;
  size: { width: number; height: number } | undefined;
  /** Returns the sanitized document unminified, with these notes added. */
  fallback: (extra: string[]) => Candidate;
}

/**
 * Optimizes one SVG document for `ctx.plan` (lossless or lossy).
 * @throws SquishError INVALID_SVG for unreadable, malformed, non-SVG or refused documents;
 * PROCESSING_TIMEOUT past `ctx.deadline`.
 */
export async function optimizeSvg(input: Uint8Array, ctx: CodecContext): Promise<Candidate> {
  checkDeadline(ctx.deadline);
  const decoded = decodeSvgText(input);
  const resolved = resolveEntities(decoded.text);
  const textFacts = minifyFacts(resolved.text);
  const embedded = embeddedDataShare(resolved.text);
  if (embedded >= EMBEDDED_DATA_SHARE) return mostlyEmbeddedData(resolved, ctx, textFacts, embedded);
  const { rungs, minScore } = ladderFor(ctx, losslessDecimals(userSpaceExtent(resolved.text)));
  // With UTF-8 bytes (librsvg reads no other encoding reliably), a document the sanitizer leaves
  // alone renders as its text after the DOCTYPE guard: the input itself when it has no DOCTYPE,
  // else the guard's output (DOCTYPE removed, plain-text entities expanded), so librsvg never
  // reads a DOCTYPE. One svgo parse then sanitizes, checks and minifies the first rung, and the
  // reference render starts mid-pass (see singlePass).
  if (decoded.encoding === 'utf-8') {
    const reference = resolved.hadDoctype ? encoder.encode(resolved.text) : input;
    const single = singlePass(reference, resolved.text, ctx, rungs[0]!, textFacts);
    if (single) {
      const { references, first, size } = single;
      // The sanitizer removed nothing (or the pass would have been left): see isUnsafeInput.
      const unsafeInput = resolved.hadInternalSubset;
      const fallback = sanitizedFallback(resolved.text, [], unsafeInput, () => job.size);
      const job: Job = {
        ctx,
        rungs,
        minScore,
        source: resolved.text,
        textFacts,
        referenceBytes: reference,
        references,
        notes: [],
        unsafeInput,
        size,
        fallback,
      };
      return climbLadder(job, first);
    }
  }
  return twoPass(input, decoded.encoding, resolved, ctx, rungs, minScore, textFacts);
}

/**
 * The first rung's svgo run with the sanitizer and the analysis in front: when the sanitizer
 * removed nothing and the references do not expand too far, the render of `reference` (the bytes
 * of `text`, or the input they were decoded from) starts from inside the pass (libvips renders on
 * its own thread while svgo minifies). Returns undefined when the pass was left: the document
 * needs the two-pass path.
 */
function singlePass(
  reference: Uint8Array,
  text: string,
  ctx: CodecContext,
  rung: Rung,
  textFacts: MinifyFacts,
):
  | { references: References; first: string; size: { width: number; height: number } | undefined }
  | undefined {
  const report = emptySanitizeReport();
  const facts: DocumentFacts = { elements: 0, expanded: 0, pixelBound: 0 };
  let references: References | undefined;
  const start: CustomPlugin = {
    name: 'squishStartReference',
    fn: () => {
      if (removalCount(report) > 0 || facts.expanded - facts.elements > MAX_REFERENCED_ELEMENTS) {
        throw new SvgoRunStopped();
      }
      references = startReferences(reference, facts.size, ctx.deadline, referenceOptions(ctx, facts));
      return null;
    },
  };
  let first: string;
  try {
    first = runSvgo(
      text,
      rungConfig(ctx, rung, textFacts, [
        createSanitizePlugin(report),
        createAnalysisPlugin(facts, MAX_REFERENCED_ELEMENTS),
        start,
      ]),
    );
  } catch (error) {
    if (error instanceof SvgoRunStopped) return undefined;
    throw error;
  }
  if (!references) throw new Error('svgo skipped the reference plugin');
  return { references, first, size: facts.size && roundSize(facts.size) };
}

/**
 * The sanitized document unminified: the result when no rung renders alike. `text` is svgo's
 * sanitize-only output on the two-pass path; on the single-pass path it is the input's text,
 * which the sanitizer had nothing to remove from, so it is sanitized once more here.
 */
function sanitizedFallback(
  text: string,
  notes: string[],
  unsafeInput: boolean,
  size: () => { width: number; height: number } | undefined,
  alreadySanitized = false,
): (extra: string[]) => Candidate {
  return (extra) => ({
    data: encoder.encode(
      alreadySanitized ? text : runSvgo(text, { plugins: [createSanitizePlugin(emptySanitizeReport())] }),
    ),
    method: 'sanitized, not minified',
    lossless: true,
    notes: [...notes, ...extra],
    unsafeInput,
    ...size(),
  });
}

/**
 * Documents the single pass does not take (something removed, another encoding than UTF-8, or
 * references that expand too far): a sanitize-only svgo pass makes the reference document, whose
 * render overlaps the first rung's svgo run.
 */
async function twoPass(
  input: Uint8Array,
  encoding: string,
  resolved: ResolvedDocument,
  ctx: CodecContext,
  rungs: Rung[],
  minScore: number,
  textFacts: MinifyFacts,
): Promise<Candidate> {
  const report: SanitizeReport = emptySanitizeReport();
  const facts: DocumentFacts = { elements: 0, expanded: 0, pixelBound: 0 };
  // One parse sanitizes, validates the root and counts references, for little more than the cost
  // of a parse and a print. Its output is the reference document and what every rung minifies.
  const sanitized = runSvgo(resolved.text, {
    plugins: [createSanitizePlugin(report), createAnalysisPlugin(facts, MAX_REFERENCED_ELEMENTS)],
  });
  const notes = describeRemovals(report);
  checkDeadline(ctx.deadline);

  // The reference is the sanitized document; with nothing removed, no DOCTYPE and UTF-8 bytes
  // (librsvg reads no other encoding reliably), the input itself renders the same.
  const untouched = removalCount(report) === 0 && !resolved.hadDoctype && encoding === 'utf-8';
  const referenceBytes = untouched ? input : encoder.encode(sanitized);
  const unsafeInput = isUnsafeInput(report, resolved);
  const size = facts.size && roundSize(facts.size);
  let job: Job | undefined;
  const fallback = sanitizedFallback(sanitized, notes, unsafeInput, () => job?.size ?? size, true);

  if (facts.expanded - facts.elements > MAX_REFERENCED_ELEMENTS) {
    return fallback([
      `not minified: <use> references and markers expand to over ${MAX_REFERENCED_ELEMENTS} elements, too many to verify by rendering`,
    ]);
  }

  // librsvg renders the reference while svgo minifies. The size read from the tree describes the
  // sanitized document, which the input renders like.
  job = {
    ctx,
    rungs,
    minScore,
    source: sanitized,
    textFacts,
    referenceBytes,
    references: startReferences(referenceBytes, facts.size, ctx.deadline, referenceOptions(ctx, facts)),
    notes,
    unsafeInput,
    size,
    fallback,
  };
  return climbLadder(job);
}

/**
 * Whether the engine must not return the input itself when no candidate is smaller
 * (Candidate.unsafeInput): the input held something the sanitizer removed, or a DOCTYPE internal
 * subset, whose entities and attribute defaults a viewer would apply though the guard vetted them
 * only for this codec's own parse.
 */
function isUnsafeInput(report: SanitizeReport, resolved: ResolvedDocument): boolean {
  return removalCount(report) > 0 || resolved.hadInternalSubset;
}

/** The svgo config of `rung` for this request, after `leadingPlugins` (the sanitizer first). */
function rungConfig(
  ctx: CodecContext,
  rung: Rung,
  textFacts: MinifyFacts,
  leadingPlugins: readonly CustomPlugin[],
): Config {
  return minifyConfig(
    rung.level,
    leadingPlugins,
    rung.precision,
    textFacts,
    ctx.plan.keep.copyright === true,
  );
}

/** `rung`'s minification of `text` (the job's source), with the sanitizer again in front as a guard. */
function minifyRung(job: Job, rung: Rung, text = job.source): string {
  return runSvgo(
    text,
    rungConfig(job.ctx, rung, job.textFacts, [createSanitizePlugin(emptySanitizeReport())]),
  );
}

/**
 * `output` (a preset rung's minification) minified again while it still defines ids that nothing
 * refers to, and the pass shrinks it: svgo removes what became unreferenced during its own pass
 * only on the next one (orphaned-ids.ts). Ids kept on purpose (ARIA, exported) do not count.
 */
function withoutOrphanedDefinitions(job: Job, rung: Rung, output: string): string {
  if (rung.level !== 'preset' || !removesUnreferencedIds(job.textFacts, output)) return output;
  const kept = new Set([...job.textFacts.ariaIds, ...job.textFacts.exportedIds]);
  let result = output;
  for (let pass = 0; pass < MAX_ORPHAN_PASSES && hasOrphanedIds(result, kept); pass++) {
    checkDeadline(job.ctx.deadline);
    const again = minifyRung(job, rung, result);
    if (again.length >= result.length) break;
    result = again;
  }
  return result;
}

/**
 * Tries each rung in turn (the first one's output may be given, already minified) and returns the
 * first that renders like the reference, else the sanitized document.
 */
async function climbLadder(job: Job, firstOutput?: string): Promise<Candidate> {
  const { ctx, minScore } = job;
  const rejected: string[] = [];
  for (const [index, rung] of job.rungs.entries()) {
    checkDeadline(ctx.deadline);
    const output = withoutOrphanedDefinitions(
      job,
      rung,
      index === 0 && firstOutput !== undefined ? firstOutput : minifyRung(job, rung),
    );
    const bytes = encoder.encode(output);
    if (bytes.length >= job.referenceBytes.length) continue;
    let comparison: RenderComparison;
    try {
      comparison = await verifyCandidate(job.references, bytes, { deadline: ctx.deadline, minScore });
    } catch (error) {
      if (error instanceof SquishError && error.code === 'INVALID_SVG') return unrendered(job);
      throw error;
    }
    job.size ??= roundSize((await job.references.preview.done).size);
    const { score, identical, measured, psnr } = comparison;
    if (score >= minScore) {
      const candidate: Candidate = {
        data: bytes,
        method: `${describeRung(rung)}, verified by rendering`,
        lossless: ctx.plan.lossy ? identical : true,
        score,
        notes: [...job.notes, ...rejected],
        unsafeInput: job.unsafeInput,
        ...job.size,
      };
      if (ctx.plan.lossy) candidate.quality = ctx.plan.quality;
      return candidate;
    }
    rejected.push(
      `${describeRung(rung)} rejected: rendering changed (${describeChange(measured, score, psnr)})`,
    );
  }
  return job.fallback(rejected);
}

/**
 * The result for a document librsvg cannot render (the input parsed and was sanitized, so it is
 * no malformed file): the structural cleanup alone, which touches no coordinate, colour, id or
 * element that draws, and so needs no render to be trusted. The common case is a sprite sheet:
 * `<symbol>`s that pages draw with `<use href="icons.svg#home">`, and no size of its own, which
 * was refused as "could not be rendered".
 */
function unrendered(job: Job): Candidate {
  return structuralResult(
    minifyRung(job, { level: 'structural' }),
    [
      ...job.notes,
      'librsvg cannot render this document (a sprite sheet has no size of its own): only comments, metadata, editor data and whitespace were removed',
    ],
    job.unsafeInput,
    job.size,
  );
}

/**
 * The result for a document made mostly of embedded data (see EMBEDDED_DATA_SHARE), in lossless
 * and lossy mode alike: one svgo pass sanitizes it and runs the structural cleanup, which needs no
 * render to be trusted (see {@link unrendered}), so neither the document nor a candidate is drawn.
 */
function mostlyEmbeddedData(
  resolved: ResolvedDocument,
  ctx: CodecContext,
  textFacts: MinifyFacts,
  share: number,
): Candidate {
  const report = emptySanitizeReport();
  let size: DocumentSize | undefined;
  const readSize: CustomPlugin = {
    name: 'squishReadSize',
    fn: (root) => {
      size = readDocumentSize(root);
      return null;
    },
  };
  const output = runSvgo(
    resolved.text,
    rungConfig(ctx, { level: 'structural' }, textFacts, [createSanitizePlugin(report), readSize]),
  );
  return structuralResult(
    output,
    [
      ...describeRemovals(report),
      `embedded data (data: URIs) make up ${Math.round(share * 100)} % of this document, which minifying the rest could shrink little: only comments, metadata, editor data and whitespace were removed, without a render check`,
    ],
    isUnsafeInput(report, resolved),
    size && roundSize(size),
  );
}

/** A structural cleanup's output as the result: lossless, and trusted without a render. */
function structuralResult(
  output: string,
  notes: string[],
  unsafeInput: boolean,
  size: { width: number; height: number } | undefined,
): Candidate {
  return {
    data: encoder.encode(output),
    method: `${describeRung({ level: 'structural' })}, not rendered`,
    lossless: true,
    notes,
    unsafeInput,
    ...size,
  };
}
