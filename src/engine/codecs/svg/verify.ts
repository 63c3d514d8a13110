/**
 * Render verification: rasterizes two SVG documents with librsvg (through sharp) at the same
 * bounded size (longest side 1024, the fit the benchmark and precision.ts use) and judges the pair:
 * PSNR first (cheap, decides clear cases), then SSIMULACRA2 on the most-changed tiles. A minified
 * SVG is only kept when it renders like the sanitized original.
 *
 * Why 1024 and not smaller: rounding that is invisible at 256 px shows when the same document is
 * drawn larger (oc-goto.svg at 4 decimals: SSIMULACRA2 94.4 at 256 px, 75.1 at 1024 px). A 256 px
 * preview pair comes first all the same (verifyCandidate): it settles most pairs, judged by rules
 * that hold at 1024 px, and the full size is rendered only for the others.
 */
import sharp from 'sharp';
import { SquishError } from '../../../errors/index.js';
import { checkDeadline } from '../../deadline.js';
import { MIN_METRIC_SIDE, ssimulacra2 } from '../../metric/ssimulacra2.js';
import { rawView } from '../../raw-image.js';
import { remainingMs } from '../../tools/run-tool.js';
import type { DocumentSize } from './analysis.js';
import { REFERENCE_FIT_PX } from './precision.js';
import { diffRenders, onWhiteMosaic, type RgbaImage } from './render-diff.js';

/** Size bounds of the verification render. */
export interface RenderBounds {
  /** Longest side of the render, in pixels, for ordinary aspect ratios. */
  longestSide: number;
  /** Hard cap on the longest side, used only to keep the short side at least {@link MIN_METRIC_SIDE}. */
  maxLongestSide: number;
}

export const DEFAULT_RENDER_BOUNDS: Readonly<RenderBounds> = Object.freeze({
  longestSide: REFERENCE_FIT_PX,
  maxLongestSide: 2 * REFERENCE_FIT_PX,
});

/**
 * Side of the tiles SSIMULACRA2 looks at, and how many (the most-changed ones): a 128 px mosaic.
 * The metric was most of a lossy job's time: on this machine a 256 px mosaic (4 tiles of 128 px)
 * took about 3.6 times as long as this one. Smaller tiles concentrate a local change, so they
 * score lower, not higher: on the corpus they scored 0 to 10 points under 128 px tiles wherever a
 * target of 80 could pass, and changed two lossy decisions, both to the more precise rung.
 */
const METRIC_TILE = 64;
const METRIC_TILES = 4;

/** How a document is rasterized: sharp's density, and a final size when that density had to be clamped. */
interface RenderPlan {
  density: number;
  /** Set when the density wanted is under sharp's minimum of 1: render at 1, then scale to this. */
  resizeTo?: { width: number; height: number };
}

/** A rendered reference plus how it was rendered, so candidates render alike. */
export interface ReferenceRender extends RenderPlan {
  image: RgbaImage;
}

/**
 * Rasterizes `svg` per `plan` (density 72 = the document's own size) to RGBA. No flatten or colour
 * conversion in libvips: they cost about as much as the render itself at this size, and only
 * renders that reach the metric need compositing (render-diff.ts).
 */
async function rasterize(svg: Uint8Array, plan: RenderPlan, deadline: number): Promise<RgbaImage> {
  checkDeadline(deadline);
  const seconds = Math.max(1, Math.ceil(remainingMs(deadline) / 1000));
  try {
    let pipeline = sharp(svg, { density: plan.density, failOn: 'error', limitInputPixels: 4096 * 4096 });
    if (plan.resizeTo) pipeline = pipeline.resize({ ...plan.resizeTo, fit: 'fill' });
    return rawView(
      await pipeline.timeout({ seconds }).ensureAlpha().raw().toBuffer({ resolveWithObject: true }),
    );
  } catch (error) {
    checkDeadline(deadline);
    const message = error instanceof Error ? error.message : String(error);
    if (/timeout/i.test(message)) throw new SquishError('PROCESSING_TIMEOUT', undefined, { cause: error });
    throw new SquishError('INVALID_SVG', 'The SVG document could not be rendered.', { cause: error });
  }
}

/** The density that fits the document's own size into `bounds`. */
function densityFor(width: number, height: number, bounds: RenderBounds): number {
  const longest = Math.max(width, height);
  const shortest = Math.max(1, Math.min(width, height));
  let scale = bounds.longestSide / longest;
  // SSIMULACRA2 is erratic below 64 px a side: stretch very wide or tall documents, within a cap.
  if (shortest * scale < MIN_METRIC_SIDE)
    scale = Math.min(MIN_METRIC_SIDE / shortest, bounds.maxLongestSide / longest);
  return 72 * scale;
}

/** The document's size at 72 dpi as librsvg reads it. */
async function measure(svg: Uint8Array): Promise<DocumentSize> {
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await sharp(svg, { limitInputPixels: false }).metadata());
  } catch (error) {
    throw new SquishError('INVALID_SVG', 'The SVG document could not be rendered.', { cause: error });
  }
  if (!width || !height) throw new SquishError('INVALID_SVG', 'The SVG document has no usable size.');
  return { width, height };
}

/** Rasterizes a candidate; a document librsvg cannot load comes back as an error value, not a throw. */
async function rasterizeCandidate(
  svg: Uint8Array,
  plan: RenderPlan,
  deadline: number,
): Promise<RgbaImage | SquishError> {
  try {
    return await rasterize(svg, plan, deadline);
  } catch (error) {
    if (error instanceof SquishError && error.code === 'INVALID_SVG') return error;
    throw error;
  }
}

/** The render plan for `scale` (sharp's density is scale × 72, at least 1). */
function planFor(size: DocumentSize, scale: number): RenderPlan {
  const density = 72 * scale;
  if (density >= 1) return { density };
  // Documents over 18 432 px: sharp's density cannot go under 1, so render larger and scale down.
  return {
    density: 1,
    resizeTo: {
      width: Math.max(1, Math.round(size.width * scale)),
      height: Math.max(1, Math.round(size.height * scale)),
    },
  };
}

/**
 * A reference render under way. Candidates need only its plan to start rendering, so a candidate
 * render overlaps the reference's, and the reference's overlaps the svgo run that makes the first
 * candidate (librsvg works on libuv threads, svgo on the main one).
 */
export interface PendingReference {
  /** How the reference is first rendered, once the document's size is known. */
  plan: Promise<RenderPlan>;
  /** The finished render (its plan corrected when librsvg sized the document differently) and the size used. */
  done: Promise<{ reference: ReferenceRender; size: DocumentSize }>;
}

/** The reference's size, its scale to the render bounds, and the plan that first renders it. */
interface Sizing {
  known: DocumentSize;
  scale: number;
  plan: RenderPlan;
}

function sizingFor(known: DocumentSize, bounds: RenderBounds): Sizing {
  const scale = densityFor(known.width, known.height, bounds) / 72;
  // Documents sized in physical units (width="3720pt") get the density applied twice (librsvg
  // converts the units at that dpi, then sharp scales again): the render comes out at the square
  // of the scale asked for, so ask for its square root.
  return { known, scale, plan: planFor(known, known.physical ? Math.sqrt(scale) : scale) };
}

/** Renders the reference per `sizing`, once more when librsvg sized the document differently. */
async function renderSized(
  reference: Uint8Array,
  { known, scale, plan }: Sizing,
  first: Promise<RgbaImage>,
  deadline: number,
): Promise<{ reference: ReferenceRender; size: DocumentSize }> {
  const image = await first;
  const expected = Math.round(Math.max(known.width, known.height) * scale);
  // Metadata sizes are rounded (97.4 reads 97), so only a gross mismatch means the squared scale.
  if (!known.physical && Math.abs(Math.max(image.width, image.height) / expected - 1) > 0.1) {
    // Physical units librsvg read but the size reader did not (metadata path): same fix, once.
    const corrected = planFor(known, Math.sqrt(scale));
    return {
      reference: { ...corrected, image: await rasterize(reference, corrected, deadline) },
      size: known,
    };
  }
  return { reference: { ...plan, image }, size: known };
}

/**
 * Starts rendering the reference at a bounded size. With `size` given (read from the document by
 * the caller, which also saves a librsvg parse), libvips gets the render before this returns, so
 * it runs during the caller's next synchronous work: a step behind an `await` would only start
 * once that work is over. Rejections surface only through the promises, when awaited.
 * @throws SquishError PROCESSING_TIMEOUT past the deadline.
 */
export function startReference(
  reference: Uint8Array,
  size: DocumentSize | undefined,
  deadline: number,
  bounds: RenderBounds = DEFAULT_RENDER_BOUNDS,
): PendingReference {
  checkDeadline(deadline);
  let sized: Promise<Sizing>;
  let done: Promise<{ reference: ReferenceRender; size: DocumentSize }>;
  if (size) {
    const sizing = sizingFor(size, bounds);
    sized = Promise.resolve(sizing);
    done = renderSized(reference, sizing, rasterize(reference, sizing.plan, deadline), deadline);
  } else {
    sized = measure(reference).then((known) => sizingFor(known, bounds));
    done = sized.then((sizing) =>
      renderSized(reference, sizing, rasterize(reference, sizing.plan, deadline), deadline),
    );
  }
  const pending = { plan: sized.then(({ plan }) => plan), done };
  // A caller whose candidates are all larger than the reference never awaits it.
  pending.plan.catch(() => {});
  pending.done.catch(() => {});
  return pending;
}

function samePlan(a: RenderPlan, b: RenderPlan): boolean {
  return (
    a.density === b.density &&
    a.resizeTo?.width === b.resizeTo?.width &&
    a.resizeTo?.height === b.resizeTo?.height
  );
}

/**
 * Render pairs at least this close (PSNR in dB, composited on white, at the 1024 px render) are
 * accepted without SSIMULACRA2: 56 dB leaves about as much squared error in a 1024² render as
 * three pixels turned from black to white. On the corpus at 1024 px, 57.5 dB still scored 94.3 and
 * 48.5 dB scored 84.7 (the only pair under 90 above 40 dB).
 */
export const METRIC_FREE_PSNR = 56;

/**
 * Below this PSNR a render pair is taken as scoring under 90 without running SSIMULACRA2 (lossless
 * mode only). On the corpus no pair under 45 dB scored 90; a pair wrongly rejected here only makes
 * the codec try a safer level, never accept a worse one.
 */
export const METRIC_FREE_REJECT_PSNR = 40;

/**
 * The same for targets of 70 and above (lossy mode's default of 80): on the corpus no pair under
 * 38 dB scored 70 (the best: 69.0 at 35.6 dB; 36.8 dB scored 27.3; the lowest PSNR that scored 80
 * was 41.7 dB). Rounding too coarse for a document is usually this clear, and costs no metric run.
 */
export const LOSSY_METRIC_FREE_REJECT_PSNR = 38;

/** The PSNR under which a pair is rejected unmeasured for `minScore`; 0 (never) for low targets. */
function rejectBelowPsnr(minScore: number): number {
  if (minScore >= 90) return METRIC_FREE_REJECT_PSNR;
  return minScore >= 70 ? LOSSY_METRIC_FREE_REJECT_PSNR : 0;
}

/** What a comparison needs besides the images. */
export interface CompareOptions {
  /** Epoch milliseconds after which work stops (PROCESSING_TIMEOUT). */
  deadline: number;
  /** The score the caller accepts; at 70 and above, clearly different renders skip the metric. */
  minScore: number;
}

/** How a candidate compares with the reference. */
export interface RenderComparison {
  /**
   * SSIMULACRA2 of the candidate's most-changed tiles (a conservative stand-in for the whole
   * render): 100 when pixel-identical or within {@link METRIC_FREE_PSNR};
   * -Infinity when the render size differs, librsvg cannot load the candidate, or the PSNR is
   * under {@link METRIC_FREE_REJECT_PSNR} (`minScore >= 90`) or {@link LOSSY_METRIC_FREE_REJECT_PSNR}
   * (`minScore >= 70`).
   */
  score: number;
  /** Every rendered pixel is equal. */
  identical: boolean;
  /** PSNR of the render pair in dB (Infinity when identical). */
  psnr: number;
  /** Whether SSIMULACRA2 was computed (false on the fast paths). */
  measured: boolean;
  /** The largest difference of one colour channel on white, 0 to 255. */
  maxDifference: number;
}

/**
 * Renders `candidate` like the reference is rendered (alongside it, when it is still rendering) and
 * scores it. Identical or near-identical renders (PSNR >= {@link METRIC_FREE_PSNR}) skip the metric,
 * and so do clearly different ones (see {@link RenderComparison.score}).
 * @throws SquishError INVALID_SVG when librsvg cannot load the reference, PROCESSING_TIMEOUT past the deadline.
 */
export async function compareWithReference(
  pending: PendingReference,
  candidate: Uint8Array,
  options: CompareOptions,
): Promise<RenderComparison> {
  const { reference, image } = await renderPair(pending, candidate, options.deadline);
  return compareRenders(reference, image, options);
}

/** The reference render and the candidate's, rendered alike (alongside the reference when it is still rendering). */
async function renderPair(
  pending: PendingReference,
  candidate: Uint8Array,
  deadline: number,
): Promise<{ reference: ReferenceRender; image: RgbaImage | SquishError }> {
  const plan = await pending.plan;
  const [{ reference }, first] = await Promise.all([
    pending.done,
    rasterizeCandidate(candidate, plan, deadline),
  ]);
  const image = samePlan(plan, reference) ? first : await rasterizeCandidate(candidate, reference, deadline);
  return { reference, image };
}

/** A pair that cannot be compared: the candidate does not render, or renders at another size. */
const UNCOMPARABLE: RenderComparison = {
  score: Number.NEGATIVE_INFINITY,
  identical: false,
  psnr: 0,
  measured: false,
  maxDifference: 255,
};

async function compareRenders(
  reference: ReferenceRender,
  image: RgbaImage | SquishError,
  { deadline, minScore }: CompareOptions,
): Promise<RenderComparison> {
  if (image instanceof SquishError) return UNCOMPARABLE;
  if (!sameSize(reference.image, image)) return UNCOMPARABLE;
  const diff = diffRenders(reference.image, image, METRIC_TILE, METRIC_TILES);
  const { psnr, maxDifference } = diff;
  const unmeasured = { identical: false, psnr, measured: false, maxDifference };
  if (psnr === Number.POSITIVE_INFINITY) return { ...unmeasured, score: 100, identical: true };
  if (psnr >= METRIC_FREE_PSNR) return { ...unmeasured, score: 100 };
  if (psnr < rejectBelowPsnr(minScore)) return { ...unmeasured, score: Number.NEGATIVE_INFINITY };
  checkDeadline(deadline);
  // The metric on the tiles that changed most: bounded cost (a 128 px mosaic) and no
  // dilution of a local change by the unchanged rest of the render.
  const tiles = diff.worstTiles;
  const score = await ssimulacra2(onWhiteMosaic(reference.image, tiles), onWhiteMosaic(image, tiles));
  return { ...unmeasured, score, measured: true };
}

/** Longest side of the preview render (see {@link verifyCandidate}). */
const PREVIEW_FIT_PX = 256;
const PREVIEW_RENDER_BOUNDS: Readonly<RenderBounds> = Object.freeze({
  longestSide: PREVIEW_FIT_PX,
  maxLongestSide: 2 * PREVIEW_FIT_PX,
});

/**
 * A preview pair at least this close (PSNR in dB) and within {@link PREVIEW_MAX_DIFFERENCE} is
 * accepted without the full-size render. A preview pixel covers 16 pixels of the 1024 px render,
 * so the preview's squared error is smaller: by 6 dB for a moved edge (each changed pixel changes
 * a quarter as much, in four times the share of pixels), by nothing for a change over an area.
 * 62 dB here is thus {@link METRIC_FREE_PSNR} (56) or better at 1024 px for both. Changes to
 * features smaller than a preview pixel (up to 12 dB) are bounded by the maximum difference.
 * Measured on the corpus and test SVGs at every precision from 0 to the lossless one + 2 (106
 * pairs): every pair the preview accepted was accepted at 1024 px without the metric too (58.5 dB
 * there at the least: gnome-help-topbar-battery-charging at 4 decimals, 70.6 dB in the preview).
 * Near-identical pairs, where 8-bit rounding is most of the difference, can score up to 9 dB
 * higher at 1024 px than in the preview; pairs that differ more scored lower there (1.9 to 6.1 dB
 * lower for every pair between 38 and 50 dB in the preview, and lower for every pair under 38),
 * which is what the rejections below rely on.
 */
export const PREVIEW_ALIKE_PSNR = 62;
/**
 * The largest channel difference an accepted preview pair may have: 16 of 255, an edge of full
 * contrast moved by 1/16 of a preview pixel (1/4 px at 1024 px), or a dot of 1 px at 1024 px. The
 * rounding precision.ts allows moves edges 50 times less; what moves them more is a minification
 * that went wrong somewhere (oc-goto.svg's half-arc ellipses at 4 decimals: 41 here, 164 preview
 * pixels over 8; every other corpus pair at its lossless precision: 11 at most, 3 pixels over 8).
 */
export const PREVIEW_MAX_DIFFERENCE = 16;

/**
 * A preview pair under this PSNR whose largest channel difference is over
 * {@link PREVIEW_CHANGED_DIFFERENCE} is rejected without the full-size render, at targets of
 * {@link PREVIEW_CHANGED_MIN_SCORE} and above: the change is both spread (the PSNR) and strong
 * somewhere (a preview pixel averages 16 of the full render's, so one 24 levels apart has a block
 * of them about as far apart on average). Of the measured pairs (see {@link PREVIEW_ALIKE_PSNR}),
 * the 25 this covers scored 74.4 at the most at 1024 px (oc-carpentiere2 at 1 decimal: 49.0 dB
 * and 37 levels in the preview); the six of them above the lossy rejection PSNR were 2.5 to 6.1 dB
 * lower there. The one pair under 50 dB that scored 90 at full size (im-doxygen-colorspace-graph at
 * 1 decimal: 48.7 dB) differed by 17 levels at most, and still goes to full size. A pair wrongly
 * rejected here only makes the codec keep a more precise rung; on the corpus the rule settles
 * oc-goto's 4-decimal lossless rung (48.4 dB, 41 levels), which took two 1024 px renders and the
 * metric to reject.
 */
export const PREVIEW_CHANGED_PSNR = 50;
export const PREVIEW_CHANGED_DIFFERENCE = 24;
/** The lowest target the rule above serves: the best score of a pair it rejects was 74.4. */
export const PREVIEW_CHANGED_MIN_SCORE = 80;

/** The reference renders of one document: the preview started at once, the full size when needed. */
export interface References {
  /** The preview render, started at once. */
  preview: PendingReference;
  /** The full-size render, started on the first call; `size` is the one the preview used. */
  full(size: DocumentSize): PendingReference;
}

/** How {@link startReferences} renders. */
export interface ReferenceOptions {
  /**
   * Start the full-size render with the preview's, for ladders that usually reach the full size:
   * lossy ones, whose coarse rungs are seldom alike in the preview. The reference then
   * renders while svgo makes the first candidate, and a candidate that needs the full size finds
   * it done, and renders alone rather than beside it. When every candidate is settled by its
   * preview the render is wasted, so this is for documents whose full-size render costs little
   * more than the preview's.
   */
  eagerFull?: boolean;
}

/**
 * Starts rendering `reference` at the preview size (see startReference for `size`); the full size
 * starts when a candidate first needs it, or at once with `eagerFull`. Lossless ladders start with
 * the preview alone: their candidates are mostly settled there, and the full-size render of a
 * document whose filters or blurs cost more than its parse (adwaita's icon: 400 ms at 1024 px) is
 * then often never needed.
 */
export function startReferences(
  reference: Uint8Array,
  size: DocumentSize | undefined,
  deadline: number,
  { eagerFull = false }: ReferenceOptions = {},
): References {
  const preview = startReference(reference, size, deadline, PREVIEW_RENDER_BOUNDS);
  // Started here, not when the preview is done: that callback would wait for the svgo run the
  // caller starts next on this thread, which the render is meant to overlap. Both renders are
  // given the same size, so the full one is the render `full` would start.
  let full = eagerFull ? startReference(reference, size, deadline) : undefined;
  return {
    preview,
    full: (known) => {
      full ??= startReference(reference, known, deadline);
      return full;
    },
  };
}

/**
 * Compares `candidate` with the reference: at the preview size first, where a pair that is alike
 * by {@link PREVIEW_ALIKE_PSNR} and {@link PREVIEW_MAX_DIFFERENCE} is accepted and a pair that is
 * clearly different (under the rejection PSNR, or changed by {@link PREVIEW_CHANGED_PSNR} and
 * {@link PREVIEW_CHANGED_DIFFERENCE}) is rejected: a pair that differs that much differs more at
 * 1024 px (see {@link PREVIEW_ALIKE_PSNR}). Every other pair is compared at full size.
 */
export async function verifyCandidate(
  references: References,
  candidate: Uint8Array,
  options: CompareOptions,
): Promise<RenderComparison> {
  const { reference, image } = await renderPair(references.preview, candidate, options.deadline);
  if (!(image instanceof SquishError) && sameSize(reference.image, image)) {
    const { psnr, maxDifference } = diffRenders(reference.image, image, METRIC_TILE, 0);
    const unmeasured = { identical: false, psnr, measured: false, maxDifference };
    if (psnr >= PREVIEW_ALIKE_PSNR && maxDifference <= PREVIEW_MAX_DIFFERENCE) {
      return { ...unmeasured, score: 100 };
    }
    if (psnr < rejectBelowPsnr(options.minScore) || clearlyChanged(psnr, maxDifference, options.minScore)) {
      return { ...unmeasured, score: Number.NEGATIVE_INFINITY };
    }
  }
  const { size } = await references.preview.done;
  return compareWithReference(references.full(size), candidate, options);
}

/** Whether a preview pair is rejected by {@link PREVIEW_CHANGED_PSNR} and {@link PREVIEW_CHANGED_DIFFERENCE}. */
function clearlyChanged(psnr: number, maxDifference: number, minScore: number): boolean {
  return (
    minScore >= PREVIEW_CHANGED_MIN_SCORE &&
    psnr < PREVIEW_CHANGED_PSNR &&
    maxDifference > PREVIEW_CHANGED_DIFFERENCE
  );
}

function sameSize(a: RgbaImage, b: RgbaImage): boolean {
  return a.width === b.width && a.height === b.height;
}
