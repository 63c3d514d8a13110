/**
 * SSIMULACRA2 as calc-s2-rust computes it, in TypeScript on typed arrays.
 *
 * Why by hand: calc-s2-rust, the only SSIMULACRA2 on npm, is a WASM build (no SIMD, software
 * fused multiply-adds) at about 1.5 µs per pixel, and the lossy searches score a tile mosaic
 * several times per image: the metric was most of their time. Every target, margin and threshold
 * of the engine is calibrated on calc-s2-rust's scores, so this computes the same metric it does
 * (rust-av/ssimulacra2 of early 2023, BSD-2-Clause): sRGB to linear light, 6 scales halved by 2x2
 * box averages in linear light, XYB offset by (0.5, 0.05, 1.1 - Y), the Charalampidis recursive
 * Gaussian of sigma 1.5 (zero outside the image), SSIM without its luminance denominator, the
 * edge maps (artifacts, detail lost), 1- and 4-norms, and SSIMULACRA 2.0's 108 weights and
 * mapping. Arithmetic is rounded to 32-bit floats where the Rust code rounds, which matters near
 * 100: the mapping is steep there. test/engine/metric/ssimulacra2.test.ts holds it to
 * calc-s2-rust's scores on images with all 6 scales; on smaller ones the weights stay in place
 * where calc-s2-rust shifts them (see {@link weightsAt}).
 *
 * 60 of the 108 weights are 0, among them every weight of B at the two largest scales: the maps
 * that only feed zero weights are not computed (about 0.45 µs per pixel instead of 0.6, the same
 * scores to the last bit).
 */

const fround = Math.fround;

/** Number of scales: the image halved 5 times. */
const SCALES = 6;
/** No further scale is made from one with a side under this. */
const MIN_SCALE_SIDE = 8;

/** sRGB byte to linear light (the sRGB transfer function), as 32-bit floats. */
const SRGB_TO_LINEAR = new Float32Array(256);
for (let i = 0; i < 256; i++) {
  const v = i / 255;
  SRGB_TO_LINEAR[i] = v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

// XYB's opsin absorbance matrix and bias (libjxl), as 32-bit floats.
const M00 = fround(0.3);
const M01 = fround(1 - 0.078 - 0.3);
const M02 = fround(0.078);
const M10 = fround(0.23);
const M11 = fround(1 - 0.078 - 0.23);
const M12 = fround(0.078);
const M20 = fround(0.24342269);
const M21 = fround(0.20476745);
const M22 = fround(1 - 0.24342269 - 0.20476745);
const OPSIN_BIAS = fround(0.0037930734);
const NEG_BIAS_CBRT = fround(-Math.cbrt(OPSIN_BIAS));

/**
 * The recursive Gaussian's support and its three filters' coefficients (see recursiveGaussian):
 * `n` weighs the input sum of filter 1, 3 or 5, `e` its previous output.
 */
interface GaussianCoefficients {
  radius: number;
  n1: number;
  n3: number;
  n5: number;
  e1: number;
  e3: number;
  e5: number;
}

/**
 * "Recursive Implementation of the Gaussian Filter Using Truncated Cosine Functions"
 * (Charalampidis 2016): three second-order IIR filters whose outputs are summed, each fed the sum
 * of the inputs `radius` to either side. The coefficients are derived as the paper (and libjxl)
 * derive them, in double precision, then stored as 32-bit floats.
 */
function recursiveGaussian(sigma: number): GaussianCoefficients {
  const radius = Math.round(3.2795 * sigma + 0.2546);
  const piDiv2r = Math.PI / (2 * radius);
  const omega = [piDiv2r, 3 * piDiv2r, 5 * piDiv2r] as const;
  const p1 = 1 / Math.tan(0.5 * omega[0]);
  const p3 = -1 / Math.tan(0.5 * omega[1]);
  const p5 = 1 / Math.tan(0.5 * omega[2]);
  const r1 = (p1 * p1) / Math.sin(omega[0]);
  const r3 = (-p3 * p3) / Math.sin(omega[1]);
  const r5 = (p5 * p5) / Math.sin(omega[2]);
  const rho = omega.map((w) => Math.exp(-0.5 * sigma * sigma * w * w) / radius);
  const d13 = p1 * r3 - r1 * p3;
  const d35 = p3 * r5 - r3 * p5;
  const d51 = p5 * r1 - r5 * p1;
  const zeta15 = d35 / d13;
  const zeta35 = d51 / d13;
  const beta = solve3(
    [
      [p1, p3, p5],
      [r1, r3, r5],
      [zeta15, zeta35, 1],
    ],
    [1, radius * radius - sigma * sigma, zeta15 * rho[0]! + zeta35 * rho[1]! + rho[2]!],
  );
  const n = omega.map((w, k) => fround(-beta[k]! * Math.cos(w * (radius + 1))));
  const e = omega.map((w) => fround(-2 * Math.cos(w)));
  return { radius, n1: n[0]!, n3: n[1]!, n5: n[2]!, e1: e[0]!, e3: e[1]!, e5: e[2]! };
}

/** Solves the 3x3 system `a x = b` by Cramer's rule (the paper's matrix is well conditioned). */
function solve3(a: number[][], b: number[]): number[] {
  const det = (m: number[][]): number =>
    m[0]![0]! * (m[1]![1]! * m[2]![2]! - m[1]![2]! * m[2]![1]!) -
    m[0]![1]! * (m[1]![0]! * m[2]![2]! - m[1]![2]! * m[2]![0]!) +
    m[0]![2]! * (m[1]![0]! * m[2]![1]! - m[1]![1]! * m[2]![0]!);
  const whole = det(a);
  return [0, 1, 2].map(
    (column) => det(a.map((row, i) => row.map((value, j) => (j === column ? b[i]! : value)))) / whole,
  );
}

const GAUSSIAN = recursiveGaussian(1.5);

/** Scratch rows of the two passes, sized for the first scale. */
interface BlurScratch {
  /** One image row with `2 * radius` zeros before it and `radius` after (the zero boundary). */
  padded: Float32Array;
  /** A row of zeros, for the rows above and below the image. */
  zeros: Float32Array;
  /** A row the vertical pass writes its priming rows to (before the image's first). */
  discard: Float32Array;
  /** Per column, each filter's previous and second-previous output (vertical pass). */
  state: Float32Array[];
}

function blurScratch(width: number): BlurScratch {
  const { radius } = GAUSSIAN;
  return {
    padded: new Float32Array(width + 3 * radius),
    zeros: new Float32Array(width),
    discard: new Float32Array(width),
    state: Array.from({ length: 6 }, () => new Float32Array(width)),
  };
}

/**
 * The filter along each row: out = n·sum − prev2 − e·prev for each of the three filters, each
 * step rounded to a 32-bit float as the reference's fused multiply-adds round it.
 */
function horizontalPass(
  input: Float32Array,
  output: Float32Array,
  width: number,
  height: number,
  scratch: BlurScratch,
): void {
  const { radius, n1, n3, n5, e1, e3, e5 } = GAUSSIAN;
  const padded = scratch.padded;
  const offset = 2 * radius;
  // The buffer is sized for the widest scale: clear what a wider row left after this one's end.
  padded.fill(0, offset + width);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    padded.set(input.subarray(row, row + width), offset);
    let prev1 = 0;
    let prev3 = 0;
    let prev5 = 0;
    let before1 = 0;
    let before3 = 0;
    let before5 = 0;
    // Output n takes the inputs at n - radius - 1 and n + radius - 1, zero outside the row.
    for (let n = -radius + 1; n < width; n++) {
      const sum = fround(padded[n + radius - 1]! + padded[n + 3 * radius - 1]!);
      const out1 = fround(fround(fround(sum * n1) - before1) - e1 * prev1);
      const out3 = fround(fround(fround(sum * n3) - before3) - e3 * prev3);
      const out5 = fround(fround(fround(sum * n5) - before5) - e5 * prev5);
      before1 = prev1;
      before3 = prev3;
      before5 = prev5;
      prev1 = out1;
      prev3 = out3;
      prev5 = out5;
      if (n >= 0) output[row + n] = fround(out1 + out3) + out5;
    }
  }
}

/**
 * The same filter down the columns, a row at a time: every column's state sits in its own row
 * array, and the second-previous row is overwritten by the new output, then the two swap.
 */
function verticalPass(
  input: Float32Array,
  output: Float32Array,
  width: number,
  height: number,
  scratch: BlurScratch,
): void {
  const { radius, n1, n3, n5, e1, e3, e5 } = GAUSSIAN;
  let [prev1, before1, prev3, before3, prev5, before5] = scratch.state as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  for (const row of scratch.state) row.fill(0, 0, width);
  for (let n = -radius + 1; n < height; n++) {
    const top = n - radius - 1;
    const bottom = n + radius - 1;
    const above = top >= 0 ? input.subarray(top * width, top * width + width) : scratch.zeros;
    const below = bottom < height ? input.subarray(bottom * width, bottom * width + width) : scratch.zeros;
    // Rows before the first only prime the filters' state: the output row is then a scratch one.
    const out = n >= 0 ? output.subarray(n * width, n * width + width) : scratch.discard;
    for (let x = 0; x < width; x++) {
      const sum = fround(above[x]! + below[x]!);
      const out1 = fround(sum * n1 - fround(prev1[x]! * e1 + before1[x]!));
      const out3 = fround(sum * n3 - fround(prev3[x]! * e3 + before3[x]!));
      const out5 = fround(sum * n5 - fround(prev5[x]! * e5 + before5[x]!));
      before1[x] = out1;
      before3[x] = out3;
      before5[x] = out5;
      out[x] = fround(out1 + out3) + out5;
    }
    [prev1, before1] = [before1, prev1];
    [prev3, before3] = [before3, prev3];
    [prev5, before5] = [before5, prev5];
  }
}

/** Three planes of 32-bit floats. */
type Planes = [Float32Array, Float32Array, Float32Array];

function linearPlanes(rgb: Uint8Array, pixels: number): Planes {
  const planes: Planes = [new Float32Array(pixels), new Float32Array(pixels), new Float32Array(pixels)];
  for (let i = 0, p = 0; i < pixels; i++, p += 3) {
    planes[0][i] = SRGB_TO_LINEAR[rgb[p]!]!;
    planes[1][i] = SRGB_TO_LINEAR[rgb[p + 1]!]!;
    planes[2][i] = SRGB_TO_LINEAR[rgb[p + 2]!]!;
  }
  return planes;
}

/** Halves both sides by averaging 2x2 blocks in linear light; odd edges repeat their last pixel. */
function downscale(planes: Planes, width: number, height: number): Planes {
  const outWidth = Math.ceil(width / 2);
  const outHeight = Math.ceil(height / 2);
  return planes.map((plane) => {
    const out = new Float32Array(outWidth * outHeight);
    for (let oy = 0; oy < outHeight; oy++) {
      const row0 = oy * 2 * width;
      const row1 = Math.min(oy * 2 + 1, height - 1) * width;
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = ox * 2;
        const x1 = Math.min(x0 + 1, width - 1);
        out[oy * outWidth + ox] =
          fround(
            fround(fround(plane[row0 + x0]! + plane[row0 + x1]!) + plane[row1 + x0]!) + plane[row1 + x1]!,
          ) * 0.25;
      }
    }
    return out;
  }) as Planes;
}

/**
 * XYB, offset to about 0..1 per component. Without `withB` the B plane is left as it was, for
 * scales where no sub-score of B has a weight (see {@link NEEDED}).
 */
function positiveXyb(linear: Planes, pixels: number, out: Planes, withB: boolean): void {
  const [r, g, b] = linear;
  const [outX, outY, outB] = out;
  for (let i = 0; i < pixels; i++) {
    const red = r[i]!;
    const green = g[i]!;
    const blue = b[i]!;
    const l = fround(
      Math.cbrt(Math.max(0, fround(M00 * red + M01 * green + M02 * blue + OPSIN_BIAS))) + NEG_BIAS_CBRT,
    );
    const m = fround(
      Math.cbrt(Math.max(0, fround(M10 * red + M11 * green + M12 * blue + OPSIN_BIAS))) + NEG_BIAS_CBRT,
    );
    const y = fround(0.5 * fround(l + m));
    outX[i] = fround(0.5 * fround(l - m)) + 0.5;
    outY[i] = y + 0.05;
    if (!withB) continue;
    const s = fround(
      Math.cbrt(Math.max(0, fround(M20 * red + M21 * green + M22 * blue + OPSIN_BIAS))) + NEG_BIAS_CBRT,
    );
    outB[i] = s + fround(1.1 - y);
  }
}

/** One scale of a prepared reference: its XYB planes and the blurs of them its maps need. */
interface ReferenceScale {
  width: number;
  height: number;
  /** X, Y and B (B empty where no map of it is needed). */
  xyb: Planes;
  /** Per channel, which maps this scale computes. */
  needed: NeededMaps[];
  /** Per channel, the blurred plane (the mean), where a map is needed. */
  mean: (Float32Array | undefined)[];
  /** Per channel, the blurred square, where the SSIM map is needed. */
  square: (Float32Array | undefined)[];
}

/**
 * A reference image made ready to score distorted versions against: its scales, XYB planes and
 * blurs, which a search would otherwise compute again for every candidate (about a third of each
 * score's work).
 */
export interface PreparedReference {
  readonly width: number;
  readonly height: number;
  readonly scales: readonly ReferenceScale[];
}

/**
 * The Gaussian blur of `input` into `output`: the row pass into `between` (a scratch plane of at
 * least the image's size), then the column pass.
 */
function blur(
  input: Float32Array,
  output: Float32Array,
  width: number,
  height: number,
  between: Float32Array,
  scratch: BlurScratch,
): void {
  const rows = between.subarray(0, width * height);
  horizontalPass(input, rows, width, height, scratch);
  verticalPass(rows, output, width, height, scratch);
}

/**
 * Prepares `reference` (tightly packed 8-bit sRGB, 3 bytes per pixel) for
 * {@link ssimulacra2Against}.
 * @throws RangeError when a side is under 8 px.
 */
export function prepareReference(reference: Uint8Array, width: number, height: number): PreparedReference {
  if (width < MIN_SCALE_SIDE || height < MIN_SCALE_SIDE) {
    throw new RangeError(`ssimulacra2 needs at least ${MIN_SCALE_SIDE}x${MIN_SCALE_SIDE} pixels`);
  }
  const count = scaleCount(width, height);
  const between = new Float32Array(width * height);
  const rowScratch = blurScratch(width);
  const scales: ReferenceScale[] = [];
  let linear = linearPlanes(reference, width * height);
  let w = width;
  let h = height;
  for (let scale = 0; scale < count; scale++) {
    if (scale > 0) {
      linear = downscale(linear, w, h);
      w = Math.ceil(w / 2);
      h = Math.ceil(h / 2);
    }
    const pixels = w * h;
    const atScale = NEEDED.map((channel) => channel[scale]!);
    const withB = atScale[2]!.ssim || atScale[2]!.edges;
    const xyb: Planes = [
      new Float32Array(pixels),
      new Float32Array(pixels),
      new Float32Array(withB ? pixels : 0),
    ];
    positiveXyb(linear, pixels, xyb, withB);
    const mean: (Float32Array | undefined)[] = [];
    const square: (Float32Array | undefined)[] = [];
    const blurred = (input: Float32Array): Float32Array => {
      const output = new Float32Array(pixels);
      blur(input, output, w, h, between, rowScratch);
      return output;
    };
    atScale.forEach(({ ssim, edges }, c) => {
      const plane = xyb[c]!;
      mean.push(ssim || edges ? blurred(plane) : undefined);
      if (!ssim) {
        square.push(undefined);
        return;
      }
      const squares = new Float32Array(pixels);
      for (let i = 0; i < pixels; i++) squares[i] = plane[i]! * plane[i]!;
      square.push(blurred(squares));
    });
    scales.push({ width: w, height: h, xyb, needed: atScale, mean, square });
  }
  return { width, height, scales };
}

/** Work planes of the distorted image, sized for the first scale and used as prefixes by the others. */
class DistortedBuffers {
  readonly xyb: Planes;
  readonly product: Float32Array;
  readonly scratch: Float32Array;
  readonly blur: BlurScratch;
  readonly mean: Float32Array;
  readonly square: Float32Array;
  readonly cross: Float32Array;
  constructor(width: number, height: number) {
    const pixels = width * height;
    const plane = () => new Float32Array(pixels);
    this.xyb = [plane(), plane(), plane()];
    this.product = plane();
    this.scratch = plane();
    this.blur = blurScratch(width);
    this.mean = plane();
    this.square = plane();
    this.cross = plane();
  }
}

const C2 = fround(0.0009);

/**
 * The six values one scale contributes per channel, in {@link WEIGHTS}' order: the 1-norms of the
 * SSIM error map, the artifact map and the detail-lost map, then their 4-norms. A map whose
 * sub-scores all weigh 0 at this scale and channel (see {@link NEEDED}) is not computed, and
 * its values are 0: the pooled sum is the same, and its blurs are most of the cost.
 */
function scaleFeatures(reference: ReferenceScale, buffers: DistortedBuffers): number[][] {
  const { width, height } = reference;
  const pixels = width * height;
  const view = (array: Float32Array) => array.subarray(0, pixels);
  const product = view(buffers.product);
  const mu2 = view(buffers.mean);
  const s22 = view(buffers.square);
  const s12 = view(buffers.cross);
  const blurInto = (input: Float32Array, output: Float32Array) =>
    blur(input, output, width, height, buffers.scratch, buffers.blur);
  const features: number[][] = [];
  for (let c = 0; c < 3; c++) {
    const { ssim, edges } = reference.needed[c]!;
    const mu1 = reference.mean[c];
    if (!mu1) {
      features.push([0, 0, 0, 0, 0, 0]);
      continue;
    }
    const s11 = reference.square[c];
    const p1 = reference.xyb[c]!;
    const p2 = view(buffers.xyb[c]!);
    if (s11) {
      for (let i = 0; i < pixels; i++) product[i] = p2[i]! * p2[i]!;
      blurInto(product, s22);
      for (let i = 0; i < pixels; i++) product[i] = p1[i]! * p2[i]!;
      blurInto(product, s12);
    }
    blurInto(p2, mu2);

    let ssimSum = 0;
    let ssimPow4 = 0;
    let artifactSum = 0;
    let artifactPow4 = 0;
    let lostSum = 0;
    let lostPow4 = 0;
    // Two loops rather than one with both maps behind per-pixel tests: most channels and scales
    // need only one of them (see NEEDED).
    if (ssim) {
      for (let i = 0; i < pixels; i++) {
        const m1 = mu1[i]!;
        const m2 = mu2[i]!;
        const diff = fround(m1 - m2);
        const mu12 = fround(m1 * m2);
        const numM = fround(1 - fround(diff * diff));
        const numS = fround(2 * fround(s12[i]! - mu12) + C2);
        const denomS = fround(
          fround(fround(s11![i]! - fround(m1 * m1)) + fround(s22[i]! - fround(m2 * m2))) + C2,
        );
        const err = Math.max(0, 1 - fround(fround(numM * numS) / denomS));
        ssimSum += err;
        const errSq = err * err;
        ssimPow4 += errSq * errSq;
      }
    }
    if (edges) {
      for (let i = 0; i < pixels; i++) {
        const edge = (1 + Math.abs(fround(p2[i]! - mu2[i]!))) / (1 + Math.abs(fround(p1[i]! - mu1[i]!))) - 1;
        const sq = edge * edge;
        if (edge > 0) {
          artifactSum += edge;
          artifactPow4 += sq * sq;
        } else {
          lostSum -= edge;
          lostPow4 += sq * sq;
        }
      }
    }
    const perPixel = 1 / pixels;
    features.push([
      perPixel * ssimSum,
      perPixel * artifactSum,
      perPixel * lostSum,
      Math.sqrt(Math.sqrt(perPixel * ssimPow4)),
      Math.sqrt(Math.sqrt(perPixel * artifactPow4)),
      Math.sqrt(Math.sqrt(perPixel * lostPow4)),
    ]);
  }
  return features;
}

/**
 * SSIMULACRA 2.0's weights of the 108 sub-scores, in the order channel (X, Y, B), scale, norm
 * (1, 4), then SSIM, artifact, detail lost.
 */
const WEIGHTS = [
  0.0, 0.0, 0.0, 1.0035479352512353, 0.00011322061110474735, 0.00040442991823685936, 0.0018953834105783773,
  0.0, 0.0, 8.982542997575905, 0.9899785796045556, 0.0, 0.9748315131207942, 0.9581575169937973, 0.0,
  0.5133611777952946, 1.0423189317331243, 0.000308010928520841, 12.149584966240063, 0.9565577248115467, 0.0,
  1.0406668123136824, 81.51139046057362, 0.30593391895330946, 1.0752214433626779, 1.1039042369464611, 0.0,
  1.021911638819618, 1.1141823296855722, 0.9730845751441705, 0.0, 0.0, 0.0, 0.9833918426095505,
  0.7920385137059867, 0.9710740411514053, 0.0, 0.0, 0.0, 0.5387077903152638, 0.0, 3.4036945601155804, 0.0,
  0.0, 0.0, 2.337569295661117, 0.0, 5.707946510901609, 37.83086423878157, 0.0, 0.0, 3.8258200594305185, 0.0,
  0.0, 24.073659674271497, 0.0, 0.0, 13.181871265286068, 0.0, 0.0, 0.0, 0.0, 0.0, 10.00750121262895, 0.0, 0.0,
  0.0, 0.0, 0.0, 52.51428385603891, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
  0.9946464267894417, 0.0, 0.0, 0.0006040447715934816, 0.0, 0.0, 0.9945171491374072, 0.0, 2.8260043809454376,
  1.0052642766534516, 8.201441997546244e-5, 12.154041855876695, 32.292928706201266, 0.992837130387521, 0.0,
  30.71925517844603, 0.00012309907022278743, 0.0, 0.9826260237051734, 0.0, 0.0, 0.9980928367837651,
  0.012142430067163312,
];

/** Which maps one channel needs at one scale. */
interface NeededMaps {
  /** The SSIM error map: all five blurs. */
  ssim: boolean;
  /** The artifact and detail-lost maps: the two means only. */
  edges: boolean;
}

/**
 * Where the six weights of one channel's scale start in {@link WEIGHTS}: at its place among the
 * 6 scales, whatever the number of scales an image has. calc-s2-rust (as libjxl's tool) takes the
 * weights in sequence over the scales there are instead, so in an image with 5 scales (a short
 * side of 64-112 px) Y's sub-scores get weights meant for X's last scale and Y's next ones, B's
 * get Y's: a 100x90 photo saved as a JPEG at quality 90 scores -23 there. Kept in place, a
 * 5-scale image scores within 0.2 of what its 6-scale version would (the 6th scale, 2-4 px,
 * weighs little; tested by leaving out the 6th scale of 128 px images), and 6-scale images are
 * unchanged.
 */
function weightsAt(channel: number, scale: number): number {
  return (channel * SCALES + scale) * 6;
}

/**
 * `NEEDED[channel][scale]`: which maps are computed. B needs nothing at the first two scales,
 * the largest.
 */
const NEEDED: readonly (readonly NeededMaps[])[] = [0, 1, 2].map((c) =>
  Array.from({ length: SCALES }, (_, scale) => {
    const w = WEIGHTS.slice(weightsAt(c, scale), weightsAt(c, scale) + 6);
    return { ssim: w[0] !== 0 || w[3] !== 0, edges: [1, 2, 4, 5].some((k) => w[k] !== 0) };
  }),
);

/** The weighted sum of the per-scale features (`scales[scale][channel]`), mapped to the score. */
function pooledScore(scales: number[][][]): number {
  let sum = 0;
  for (let c = 0; c < 3; c++) {
    for (const [scale, features] of scales.entries()) {
      let i = weightsAt(c, scale);
      for (const value of features[c]!) sum += WEIGHTS[i++]! * Math.abs(value);
    }
  }
  // A bug guard: NaN would otherwise map to 100, "identical".
  if (!Number.isFinite(sum)) throw new RangeError('ssimulacra2: the sub-scores are not finite');
  const mapped = sum * 17.829717797575952 - 1.634169143917183;
  return mapped > 0 ? 100 - 10 * mapped ** 0.5453261009510213 : 100;
}

/**
 * How many scales an image of this size has. As the reference: the size is checked before halving,
 * so the last scale may be under 8 px.
 */
function scaleCount(width: number, height: number): number {
  let count = 0;
  let w = width;
  let h = height;
  while (count < SCALES && w >= MIN_SCALE_SIDE && h >= MIN_SCALE_SIDE) {
    // Scale `count` is made from the one before it, whose size was just checked.
    if (count > 0) {
      w = Math.ceil(w / 2);
      h = Math.ceil(h / 2);
    }
    count++;
  }
  return count;
}

/**
 * SSIMULACRA2 of `distorted` (tightly packed 8-bit sRGB, the reference's size: the caller checks,
 * as ssimulacra2.ts does) against a prepared reference.
 */
export function ssimulacra2Against(reference: PreparedReference, distorted: Uint8Array): number {
  const { width, height } = reference;
  const buffers = new DistortedBuffers(width, height);
  const scales: number[][][] = [];
  let linear = linearPlanes(distorted, width * height);
  let w = width;
  let h = height;
  for (const [scale, atScale] of reference.scales.entries()) {
    if (scale > 0) {
      linear = downscale(linear, w, h);
      w = Math.ceil(w / 2);
      h = Math.ceil(h / 2);
    }
    positiveXyb(linear, w * h, buffers.xyb, atScale.xyb[2]!.length > 0);
    scales.push(scaleFeatures(atScale, buffers));
  }
  return pooledScore(scales);
}

/**
 * SSIMULACRA2 of two equally sized, tightly packed 8-bit sRGB images (3 bytes per pixel), at
 * least 8x8 pixels.
 * @throws RangeError for sizes it cannot measure.
 */
export function ssimulacra2Score(
  reference: Uint8Array,
  distorted: Uint8Array,
  width: number,
  height: number,
): number {
  return ssimulacra2Against(prepareReference(reference, width, height), distorted);
}
