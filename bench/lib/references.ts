/**
 * The reference tools Squish is compared with, per category (the list). A tool that is
 * not installed stays in the list with `unavailable` set, so the report says it was skipped.
 */
import sharp, { type Sharp } from 'sharp';
import { optimize as svgo } from 'svgo';
import { isInstalled, runCli, runCliOnFiles } from './cli-tool.js';
import { oxipng } from './oxipng.js';
import type { BenchCategory, BenchTool, ToolOutput } from './types.js';

/** Fixed mozjpeg qualities: the table shows each, and Squish is compared at its own median score. */
export const JPEG_SWEEP = [60, 70, 75, 80, 85, 90] as const;
/** pngquant `--quality=0-Q` targets for the PNG equal-score comparison (dense where Squish's target lies). */
export const PNGQUANT_SWEEP = [70, 80, 90, 95, 100] as const;
/** gifsicle `--lossy=N` levels for the GIF equal-score comparison (higher N = lossier). */
export const GIFSICLE_SWEEP = [200, 120, 80, 40, 20] as const;
const WEBP_SWEEP = [50, 65, 75, 85, 95] as const;
const AVIF_SWEEP = [40, 50, 60, 70, 80] as const;

/** The sweep each category's lossy Squish row is compared with, at equal median score. */
export const SWEEP_OF: Partial<Record<BenchCategory, string>> = {
  jpeg: 'sharp mozjpeg',
  png: 'pngquant + oxipng',
  gif: 'gifsicle --lossy',
  webp: 'sharp webp',
  avif: 'sharp avif',
};

/** Reference whose saving Squish lossless must reach (same metadata policy: keeps ICC). */
export const LOSSLESS_BASELINE: Partial<Record<BenchCategory, string>> = {
  jpeg: 'jpegtran-icc',
  png: 'oxipng-l2',
  gif: 'gifsicle-o3',
  svg: 'svgo',
};

/** One fixed-quality encode per category: Squish lossy takes at most 3x its time on the same file (median over files). */
export const FIXED_ENCODE: Partial<Record<BenchCategory, string>> = {
  jpeg: 'mozjpeg-q80',
  // Squish's lossy PNG is a quantization plus oxipng's recompression, as this reference is; sharp's
  // palette writer alone skips the recompression and would not be one comparable encode.
  png: 'pngquant-65-80',
  gif: 'gifsicle-lossy80',
  svg: 'svgo',
  webp: 'webp-q75',
  avif: 'avif-q50',
};

type Encoder = (input: Uint8Array) => Promise<ToolOutput>;

function tool(
  category: BenchCategory,
  id: string,
  label: string,
  lossy: boolean,
  run: Encoder,
  extra: { requires?: string[]; quality?: number; sweep?: string; listed?: boolean } = {},
): BenchTool {
  const missing = (extra.requires ?? []).filter((name) => !isInstalled(name));
  return {
    id,
    label,
    category,
    lossy,
    squish: false,
    ...(extra.quality === undefined ? {} : { quality: extra.quality }),
    ...(extra.sweep === undefined ? {} : { sweep: extra.sweep }),
    ...(extra.listed === false ? { listed: false } : {}),
    ...(missing.length > 0 ? { unavailable: `${missing.join(', ')} not installed` } : {}),
    run,
  };
}

/** Runs a stdin→stdout CLI; a non-zero exit is an error carrying the tool's message. */
function pipe(name: string, args: string[]): Encoder {
  return async (input) => {
    const result = await runCli(name, args, input);
    if (result.exitCode !== 0 || result.stdout.length === 0) {
      throw new Error(`${name} exit ${result.exitCode}: ${result.stderr.trim().split('\n')[0] ?? ''}`);
    }
    return withRss({ data: result.stdout }, result.peakRssBytes);
  };
}

function withRss(output: ToolOutput, peakRssBytes: number | undefined): ToolOutput {
  return peakRssBytes === undefined ? output : { ...output, peakRssBytes };
}

const optipng: Encoder = async (input) => {
  const result = await runCliOnFiles('optipng', (i, o) => ['-o2', '-quiet', '-out', o, i], input, 'png');
  if (result.exitCode !== 0) throw new Error(`optipng exit ${result.exitCode}: ${result.stderr.trim()}`);
  // optipng writes no output file when it cannot improve the input.
  return withRss({ data: result.output ?? input }, result.peakRssBytes);
};

/** jpegoptim 1.4.7 rejects --stdin without a file argument, so it reads a temporary file and writes stdout. */
const jpegoptim: Encoder = async (input) => {
  const result = await runCliOnFiles(
    'jpegoptim',
    (i) => ['-m82', '--strip-all', '--stdout', '--quiet', i],
    input,
    'jpg',
  );
  // When it cannot make the file smaller, jpegoptim "skips" it, writes nothing and exits 3.
  if (result.exitCode === 3 && result.stdout.length === 0 && /write failed to stdout/.test(result.stderr)) {
    return withRss({ data: input, note: 'jpegoptim skipped: not smaller' }, result.peakRssBytes);
  }
  if (result.exitCode !== 0 || result.stdout.length === 0) {
    throw new Error(`jpegoptim exit ${result.exitCode}: ${result.stderr.trim().split('\n')[0] ?? ''}`);
  }
  return withRss({ data: result.stdout }, result.peakRssBytes);
};

/**
 * pngquant then oxipng level 2. Exit 99 (quality floor not met) falls back to the lossless oxipng
 * result, as the issue specifies; so does 98 (not smaller, only with --skip-if-larger).
 */
function pngquantOxipng(qualityRange: string): Encoder {
  return async (input) => {
    const quantised = await runCli('pngquant', [`--quality=${qualityRange}`, '-'], input);
    if (quantised.exitCode === 98 || quantised.exitCode === 99) {
      return withRss(
        { data: await oxipng(input, 2), note: `pngquant exit ${quantised.exitCode}: lossless oxipng` },
        quantised.peakRssBytes,
      );
    }
    if (quantised.exitCode !== 0) {
      throw new Error(`pngquant exit ${quantised.exitCode}: ${quantised.stderr.trim().split('\n')[0] ?? ''}`);
    }
    return withRss({ data: await oxipng(quantised.stdout, 2) }, quantised.peakRssBytes);
  };
}

/** sharp encodes run in this process, so no per-job RSS is reported for them. */
function sharpEncode(encode: (image: Sharp) => Sharp): Encoder {
  return async (input) => ({ data: await encode(sharp(input, { autoOrient: true })).toBuffer() });
}

const svgoDefault: Encoder = async (input) => {
  const result = svgo(Buffer.from(input).toString('utf8'));
  return { data: Buffer.from(result.data, 'utf8') };
};

/** Every reference tool of `category`, including the ones that are not installed. */
export function referenceTools(category: BenchCategory): BenchTool[] {
  switch (category) {
    case 'jpeg':
      return [
        tool(
          category,
          'jpegtran-icc',
          'jpegtran -copy icc -optimize -progressive',
          false,
          pipe('jpegtran', ['-copy', 'icc', '-optimize', '-progressive']),
          { requires: ['jpegtran'] },
        ),
        tool(
          category,
          'jpegtran-none',
          'jpegtran -copy none -optimize -progressive',
          false,
          pipe('jpegtran', ['-copy', 'none', '-optimize', '-progressive']),
          { requires: ['jpegtran'] },
        ),
        ...JPEG_SWEEP.map((quality) =>
          tool(
            category,
            `mozjpeg-q${quality}`,
            `sharp mozjpeg q${quality}`,
            true,
            sharpEncode((image) => image.jpeg({ mozjpeg: true, quality })),
            { quality, sweep: SWEEP_OF.jpeg! },
          ),
        ),
        tool(category, 'jpegoptim-m82', 'jpegoptim -m82 --strip-all', true, jpegoptim, {
          requires: ['jpegoptim'],
        }),
      ];
    case 'png':
      return [
        tool(category, 'oxipng-l2', 'oxipng (WASM) level 2', false, (input) =>
          oxipng(input, 2).then((data) => ({ data })),
        ),
        tool(category, 'optipng-o2', 'optipng -o2', false, optipng, { requires: ['optipng'] }),
        tool(
          category,
          'pngquant-65-80',
          'pngquant --quality=65-80 + oxipng L2',
          true,
          pngquantOxipng('65-80'),
          {
            requires: ['pngquant'],
          },
        ),
        tool(
          category,
          'sharp-palette-q80',
          'sharp palette q80 effort7',
          true,
          sharpEncode((image) => image.png({ palette: true, quality: 80, effort: 7 })),
        ),
        ...PNGQUANT_SWEEP.map((quality) =>
          tool(
            category,
            `pngquant-q${quality}`,
            `pngquant --quality=0-${quality} + oxipng L2`,
            true,
            pngquantOxipng(`0-${quality}`),
            { requires: ['pngquant'], quality, sweep: SWEEP_OF.png!, listed: false },
          ),
        ),
      ];
    case 'gif':
      return [
        tool(category, 'gifsicle-o3', 'gifsicle -O3', false, pipe('gifsicle', ['-O3']), {
          requires: ['gifsicle'],
        }),
        ...GIFSICLE_SWEEP.map((level) =>
          tool(
            category,
            level === 80 ? 'gifsicle-lossy80' : `gifsicle-lossy${level}`,
            `gifsicle -O3 --lossy=${level}`,
            true,
            pipe('gifsicle', ['-O3', `--lossy=${level}`]),
            // Higher --lossy means lower quality; the sweep orders points by score, not by this number.
            { requires: ['gifsicle'], quality: 200 - level, sweep: SWEEP_OF.gif!, listed: level === 80 },
          ),
        ),
      ];
    case 'svg':
      return [tool(category, 'svgo', 'svgo preset-default', false, svgoDefault)];
    case 'webp':
      return WEBP_SWEEP.map((quality) =>
        tool(
          category,
          `webp-q${quality}`,
          `sharp webp q${quality}`,
          true,
          sharpEncode((image) => image.webp({ quality, effort: 4 })),
          { quality, sweep: SWEEP_OF.webp! },
        ),
      );
    case 'avif':
      return AVIF_SWEEP.map((quality) =>
        tool(
          category,
          `avif-q${quality}`,
          `sharp avif q${quality}`,
          true,
          sharpEncode((image) => image.avif({ quality, effort: 4 })),
          { quality, sweep: SWEEP_OF.avif! },
        ),
      );
  }
}
