/**
 * Resize strategies as plain arithmetic: from the source size and a ResizeStep to the list of
 * pixel operations (cut, scale, content-aware cut, pad, sharpen) and the final size. No pixels
 * here, so every strategy is unit-tested exhaustively; transform.ts runs the operations.
 *
 * Semantics are Kraken's (src/plan/resize.ts):
 * - exact: stretch to width × height.
 * - landscape: fixed width (height follows the aspect ratio); with only a height, fixed height.
 *   portrait: fixed height; with only a width, fixed width. This follows the official Kraken
 *   WordPress plugin (landscape = width, portrait = height) where Kraken's docs are ambiguous.
 * - auto: fit inside width × height keeping the aspect ratio.
 *   portrait, landscape and auto never enlarge: a smaller image keeps its size.
 * - fit: scale to cover width × height, then cut width × height at `gravity` (attention/entropy:
 *   the region libvips finds most salient/busiest).
 * - crop: cut width × height at `gravity` without scaling (clamped to the image), or the explicit
 *   `rect` (clamped; a rect wholly outside the image is an error); then scale by `scale` %.
 * - square: cut the largest square at `gravity` (default centre), then scale to size × size.
 * - fill: fit inside width × height, then pad to exactly width × height with `background`
 *   (the step's, else the plan's, else opaque white: Kraken pads with its background, white by
 *   default; ask for `transparent` to get transparent padding).
 * - none: unchanged.
 * exact, fit, square and fill may enlarge. With `enhance`, an enlarging scale uses the Mitchell
 * kernel (no Lanczos ringing, which sharpening would amplify: the "denoise" part) followed by an
 * unsharp mask on luminance whose sigma grows with the enlargement (0.5 to 2 px).
 */
import { invalidOption, SquishError } from '../../errors/index.js';
import { type Rgba, WHITE } from '../../plan/colour.js';
import type { Gravity, ResizeStep } from '../../plan/resize.js';

/** A rectangle of pixels (sharp's `extract` naming). */
export interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Lanczos3 for ordinary scaling; Mitchell for `enhance`d enlargements. */
export type ResizeKernel = 'lanczos3' | 'mitchell';

export type SmartStrategy = 'attention' | 'entropy';

/** One pixel operation; they run in list order, each on the previous one's result. */
export type GeometryOp =
  | { op: 'extract'; region: Region }
  | { op: 'resize'; width: number; height: number; kernel: ResizeKernel }
  /** Cut width × height where libvips' strategy finds the important content (no scaling). */
  | { op: 'smartCrop'; strategy: SmartStrategy; width: number; height: number }
  | { op: 'pad'; top: number; right: number; bottom: number; left: number; colour: Rgba }
  | { op: 'sharpen'; sigma: number };

export interface Geometry {
  ops: GeometryOp[];
  /** Final size. */
  width: number;
  height: number;
  /** True when a resize makes the image larger on either axis. */
  enlarges: boolean;
}

export interface GeometryOptions {
  /** Largest output (and intermediate) side; larger → OUTPUT_TOO_LARGE. Default: no limit. */
  maxOutputDimension?: number;
  /**
   * Largest pixel count of the output and of every intermediate image, summed over `frames`
   * (limits.maxPixels); larger → OUTPUT_TOO_LARGE. Default: no limit.
   */
  maxOutputPixels?: number;
  /** Frames the operations run on (default 1), for maxOutputPixels. */
  frames?: number;
  /** Padding colour for `fill` when the step has none (the plan's background); default white. */
  background?: Rgba;
  /** Option name used in error messages (default `resize`). */
  name?: string;
}

/**
 * The operations that turn a `sourceWidth` × `sourceHeight` image (as displayed, i.e. after
 * orientation) into what `step` asks for. `undefined` or `none`: no operations.
 * @throws SquishError OUTPUT_TOO_LARGE when a side would exceed maxOutputDimension,
 *   INVALID_OPTION when a crop rect lies outside the image.
 */
export function planGeometry(
  sourceWidth: number,
  sourceHeight: number,
  step: ResizeStep | undefined,
  options: GeometryOptions = {},
): Geometry {
  const builder = new GeometryBuilder(sourceWidth, sourceHeight, step?.enhance === true);
  if (step) STRATEGIES[step.strategy](builder, step, options);
  return builder.finish(
    options.maxOutputDimension ?? Number.POSITIVE_INFINITY,
    options.maxOutputPixels ?? Number.POSITIVE_INFINITY,
    options.frames ?? 1,
  );
}

/** Accumulates operations while tracking the current size. */
class GeometryBuilder {
  readonly ops: GeometryOp[] = [];
  enlarges = false;
  private readonly largest: { width: number; height: number; area: number };

  constructor(
    public width: number,
    public height: number,
    private readonly enhance: boolean,
  ) {
    this.largest = { width, height, area: width * height };
  }

  extract(region: Region): void {
    if (region.width === this.width && region.height === this.height) return;
    this.ops.push({ op: 'extract', region });
    this.width = region.width;
    this.height = region.height;
  }

  resize(width: number, height: number): void {
    const w = Math.max(1, width);
    const h = Math.max(1, height);
    if (w === this.width && h === this.height) return;
    const enlarging = w > this.width || h > this.height;
    const enhanced = enlarging && this.enhance;
    this.ops.push({ op: 'resize', width: w, height: h, kernel: enhanced ? 'mitchell' : 'lanczos3' });
    if (enhanced) {
      const factor = Math.max(w / this.width, h / this.height);
      this.ops.push({ op: 'sharpen', sigma: clamp(0.5 * factor, 0.5, 2) });
    }
    this.enlarges ||= enlarging;
    this.width = w;
    this.height = h;
    this.largest.width = Math.max(this.largest.width, w);
    this.largest.height = Math.max(this.largest.height, h);
    this.largest.area = Math.max(this.largest.area, w * h);
  }

  /** Cut width × height at a gravity (fixed anchor or content-aware). */
  cut(width: number, height: number, gravity: Gravity | undefined): void {
    const w = Math.min(width, this.width);
    const h = Math.min(height, this.height);
    if (w === this.width && h === this.height) return;
    if (gravity === 'attention' || gravity === 'entropy') {
      this.ops.push({ op: 'smartCrop', strategy: gravity, width: w, height: h });
      this.width = w;
      this.height = h;
      return;
    }
    this.extract(anchoredRegion(this.width, this.height, w, h, gravity ?? 'center'));
  }

  pad(width: number, height: number, colour: Rgba): void {
    if (width === this.width && height === this.height) return;
    const left = Math.floor((width - this.width) / 2);
    const top = Math.floor((height - this.height) / 2);
    this.ops.push({
      op: 'pad',
      top,
      left,
      right: width - this.width - left,
      bottom: height - this.height - top,
      colour,
    });
    this.width = width;
    this.height = height;
  }

  finish(maxSide: number, maxPixels: number, frames: number): Geometry {
    const widest = Math.max(this.largest.width, this.width);
    const tallest = Math.max(this.largest.height, this.height);
    if (widest > maxSide || tallest > maxSide) {
      const final = `${this.width}x${this.height}`;
      const via = widest > this.width || tallest > this.height ? ` (via ${widest}x${tallest})` : '';
      throw new SquishError(
        'OUTPUT_TOO_LARGE',
        `The requested output is ${final}${via}; the largest side allowed is ${maxSide} pixels.`,
      );
    }
    const pixels = Math.max(this.largest.area, this.width * this.height) * frames;
    if (pixels > maxPixels) {
      const what = frames > 1 ? ` x ${frames} frames` : '';
      throw new SquishError(
        'OUTPUT_TOO_LARGE',
        `The requested output ${this.width}x${this.height}${what} needs ${pixels} pixels; the limit is ${maxPixels}.`,
      );
    }
    return { ops: this.ops, width: this.width, height: this.height, enlarges: this.enlarges };
  }
}

type Strategy = (g: GeometryBuilder, step: ResizeStep, options: GeometryOptions) => void;

const STRATEGIES: Record<ResizeStep['strategy'], Strategy> = {
  none: () => {},
  exact: (g, step) => g.resize(step.width!, step.height!),
  landscape: (g, step) =>
    step.width !== undefined ? fixedWidth(g, step.width) : fixedHeight(g, step.height!),
  portrait: (g, step) =>
    step.height !== undefined ? fixedHeight(g, step.height) : fixedWidth(g, step.width!),
  auto: (g, step) => {
    const scale = Math.min(step.width! / g.width, step.height! / g.height);
    if (scale < 1) containIn(g, step.width!, step.height!);
  },
  fit: (g, step) => {
    coverOf(g, step.width!, step.height!);
    g.cut(step.width!, step.height!, step.gravity);
  },
  crop: (g, step, options) => {
    if (step.rect) g.extract(clampRect(g.width, g.height, step.rect, options.name ?? 'resize'));
    else g.cut(step.width!, step.height!, step.gravity);
    if (step.scale !== undefined && step.scale < 100) {
      g.resize(Math.round((g.width * step.scale) / 100), Math.round((g.height * step.scale) / 100));
    }
  },
  square: (g, step) => {
    const side = Math.min(g.width, g.height);
    g.cut(side, side, step.gravity);
    g.resize(step.size!, step.size!);
  },
  fill: (g, step, options) => {
    containIn(g, step.width!, step.height!);
    g.pad(step.width!, step.height!, step.background ?? options.background ?? WHITE);
  },
};

function fixedWidth(g: GeometryBuilder, width: number): void {
  if (width < g.width) g.resize(width, Math.round((g.height * width) / g.width));
}

function fixedHeight(g: GeometryBuilder, height: number): void {
  if (height < g.height) g.resize(Math.round((g.width * height) / g.height), height);
}

/** Scale so the image fits inside width × height, one side exactly (may enlarge). */
function containIn(g: GeometryBuilder, width: number, height: number): void {
  if (width / g.width <= height / g.height) {
    g.resize(width, Math.min(height, Math.round((g.height * width) / g.width)));
  } else {
    g.resize(Math.min(width, Math.round((g.width * height) / g.height)), height);
  }
}

/** Scale so the image covers width × height, one side exactly (may enlarge). */
function coverOf(g: GeometryBuilder, width: number, height: number): void {
  if (width / g.width >= height / g.height) {
    g.resize(width, Math.max(height, Math.round((g.height * width) / g.width)));
  } else {
    g.resize(Math.max(width, Math.round((g.width * height) / g.height)), height);
  }
}

/** The width × height region of a W × H image anchored at a compass gravity. */
export function anchoredRegion(
  sourceWidth: number,
  sourceHeight: number,
  width: number,
  height: number,
  gravity: Exclude<Gravity, 'attention' | 'entropy'>,
): Region {
  const spareX = sourceWidth - width;
  const spareY = sourceHeight - height;
  const left = gravity.endsWith('west') ? 0 : gravity.endsWith('east') ? spareX : Math.floor(spareX / 2);
  const top = gravity.startsWith('north') ? 0 : gravity.startsWith('south') ? spareY : Math.floor(spareY / 2);
  return { left, top, width, height };
}

function clampRect(
  width: number,
  height: number,
  rect: { x: number; y: number; width: number; height: number },
  name: string,
): Region {
  if (rect.x >= width || rect.y >= height) {
    throw invalidOption(`${name}.rect`, `a rectangle that overlaps the ${width}x${height} image`, rect);
  }
  return {
    left: rect.x,
    top: rect.y,
    width: Math.min(rect.width, width - rect.x),
    height: Math.min(rect.height, height - rect.y),
  };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
