import { DEFAULT_LOSSY_TARGET } from '../../../plan/index.js';
import { checkDeadline } from '../../deadline.js';
import type { Candidate, CodecContext } from '../../types.js';
import { createAnalysisPlugin, type DocumentFacts, type DocumentSize } from './analysis.js';
import { resolveEntities } from './entities.js';
import { type MinifyLevel, minifyConfig } from './minify.js';
import { losslessDecimals, userSpaceExtent } from './precision.js';
import { runSvgo } from './run-svgo.js';
import {
  createSanitizePlugin,
  describeRemovals,
  emptySanitizeReport,
  removalCount,
  type SanitizeReport,
} from './sanitize.js';
import { decodeSvgText } from './text.js';
import { compareWithReference, startReference } from './verify.js';

/** SSIMULACRA2 a lossless-mode result must reach: "visually lossless" on the rasterized pair. */
export const LOSSLESS_MIN_SCORE = 90;
/** Elements instantiated through `<use>`/href references and markers above which no render is attempted. */
export const MAX_REFERENCED_ELEMENTS = 50_000;
/** Lossy mode first tries this many decimals fewer than lossless, coarsest first. */
const LOSSY_DECIMAL_STEPS = [2, 1] as const;
/** Decimals added for the second lossless rung (fixes arcs convertPathData flips, oc-goto.svg). */
const PRECISE_EXTRA_DECIMALS = 2;

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

const encoder = new TextEncoder();

/**
 * Optimizes one SVG document for `ctx.plan` (lossless or lossy).
 * @throws SquishError INVALID_SVG for unreadable, malformed, non-SVG or refused documents;
 * PROCESSING_TIMEOUT past `ctx.deadline`.
 */
export async function optimizeSvg(input: Uint8Array, ctx: CodecContext): Promise<Candidate> {
  checkDeadline(ctx.deadline);
  const decoded = decodeSvgText(input);
  const resolved = resolveEntities(decoded.text);
  const { rungs, minScore } = ladderFor(ctx, losslessDecimals(userSpaceExtent(resolved.text)));
  const report: SanitizeReport = emptySanitizeReport();
  const facts: DocumentFacts = { elements: 0, expanded: 0 };
  // One parse sanitizes, validates the root and counts references, for little more than the cost
  // of a parse and a print. Its output is the reference document and what every rung minifies.
  const sanitized = runSvgo(resolved.text, {
    plugins: [createSanitizePlugin(report), createAnalysisPlugin(facts, MAX_REFERENCED_ELEMENTS)],
  });
  const notes = describeRemovals(report);
  checkDeadline(ctx.deadline);

  // The reference is the sanitized document; with nothing removed, no DOCTYPE and UTF-8 bytes
  // (librsvg reads no other encoding reliably), the input itself renders the same.
  const untouched = removalCount(report) === 0 && !resolved.hadDoctype && decoded.encoding === 'utf-8';
  const referenceBytes = untouched ? input : encoder.encode(sanitized);
  // The engine returns the input when no candidate is smaller; it must not when the input held
  // anything the sanitizer removed, or a DOCTYPE internal subset (a viewer would apply its entities
  // and attribute defaults, which the guard vetted only for this codec's own parse).
  const unsafeInput = removalCount(report) > 0 || resolved.hadInternalSubset;
  let size = facts.size && roundSize(facts.size);
  const fallback = (extra: string[]): Candidate => ({
    data: encoder.encode(sanitized),
    method: 'sanitized, not minified',
    lossless: true,
    notes: [...notes, ...extra],
    unsafeInput,
    ...size,
  });

  if (facts.expanded - facts.elements > MAX_REFERENCED_ELEMENTS) {
    return fallback([
      `not minified: <use> references and markers expand to over ${MAX_REFERENCED_ELEMENTS} elements, too many to verify by rendering`,
    ]);
  }

  // librsvg renders the reference while svgo minifies. The size read from the tree describes the
  // sanitized document, which the input renders like.
  const reference = startReference(referenceBytes, facts.size, ctx.deadline);
  const rejected: string[] = [];
  for (const rung of rungs) {
    checkDeadline(ctx.deadline);
    // The sanitizer runs again: cheap, and no minifier config ever goes without it.
    const output = runSvgo(
      sanitized,
      minifyConfig(rung.level, [createSanitizePlugin(emptySanitizeReport())], rung.precision),
    );
    const bytes = encoder.encode(output);
    if (bytes.length >= referenceBytes.length) continue;
    const comparison = await compareWithReference(reference, bytes, { deadline: ctx.deadline, minScore });
    size ??= roundSize((await reference.done).size);
    const { score, identical, measured, psnr } = comparison;
    if (score >= minScore) {
      const candidate: Candidate = {
        data: bytes,
        method: `${describeRung(rung)}, verified by rendering`,
        lossless: ctx.plan.lossy ? identical : true,
        score,
        notes: [...notes, ...rejected],
        unsafeInput,
        ...size,
      };
      if (ctx.plan.lossy) candidate.quality = ctx.plan.quality;
      return candidate;
    }
    rejected.push(
      `${describeRung(rung)} rejected: rendering changed (${describeChange(measured, score, psnr)})`,
    );
  }
  return fallback(rejected);
}
