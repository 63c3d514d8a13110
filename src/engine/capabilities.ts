/**
 * What the engine can use on this machine: every codec, tool and metric it relies on, whether it is
 * present (and which version), what it is for and what is degraded without it. `squish doctor`
 * prints this list; the engine itself finds each tool where it needs it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { runTool } from './tools/run-tool.js';

/** Where a capability comes from, which decides how a missing one is installed. */
export type CapabilitySource = 'npm' | 'wasm' | 'debian';

/** One codec, tool or metric the engine uses. */
export interface Capability {
  /** Short stable name, e.g. "sharp:jpeg", "jpegtran". */
  name: string;
  source: CapabilitySource;
  present: boolean;
  /** Version string when present (as the component reports it). */
  version?: string;
  /** What the engine uses it for. */
  usedFor: string;
  /** What the engine does, or cannot do, without it. */
  degradedWithout: string;
  /** True when a format cannot be optimized at all without it; false when only results are worse. */
  required: boolean;
  /** Debian package that provides it (source "debian"). */
  aptPackage?: string;
  /** npm package that provides it (sources "npm" and "wasm"). */
  npmPackage?: string;
}

/** Seconds a tool gets to print its version; a healthy one answers in milliseconds. */
const VERSION_TIMEOUT_MS = 5000;

const require = createRequire(import.meta.url);

/**
 * Version of an installed npm package, read from its package.json. Several packages (svgo among
 * them) do not export `package.json`, so walk up from the package's entry point instead.
 */
function npmPackageVersion(name: string): string | undefined {
  let dir: string;
  try {
    dir = dirname(require.resolve(name));
  } catch {
    return undefined;
  }
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === name) return manifest.version;
    } catch {
      // no package.json at this level
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The one WebAssembly call used here, typed locally: the project compiles without the DOM lib. */
const { WebAssembly: wasm } = globalThis as unknown as {
  WebAssembly: { validate(bytes: Uint8Array): boolean };
};

/** True when the package's WASM file exists and is a valid module for this runtime. */
function wasmValid(specifier: string): boolean {
  try {
    return wasm.validate(readFileSync(require.resolve(specifier)));
  } catch {
    return false;
  }
}

/** The version line a Debian tool prints, or undefined when it is missing or does not start. */
async function toolVersion(name: string, args: string[], pattern: RegExp): Promise<string | undefined> {
  try {
    const result = await runTool(name, args, { timeoutMs: VERSION_TIMEOUT_MS });
    const text = `${result.stdout.toString('utf8')}\n${result.stderr}`;
    return pattern.exec(text)?.[1] ?? text.trim().split('\n')[0];
  } catch {
    return undefined;
  }
}

interface SharpCodec {
  name: string;
  /** Key in `sharp.format`. */
  format: keyof typeof sharp.format;
  /** Whether the engine writes this format too, or only reads it. */
  output: boolean;
  /** Library in `sharp.versions` that must be built in. */
  library: string;
  usedFor: string;
  degradedWithout: string;
}

const SHARP_CODECS: readonly SharpCodec[] = [
  {
    name: 'sharp:jpeg',
    format: 'jpeg',
    output: true,
    library: 'mozjpeg',
    usedFor: 'JPEG decoding and lossy JPEG encoding (mozjpeg: trellis quantisation, optimised scans)',
    degradedWithout: 'no lossy JPEG; without mozjpeg, lossy JPEGs are about 10-17 % bigger at equal quality',
  },
  {
    name: 'sharp:png',
    format: 'png',
    output: true,
    library: 'imagequant',
    usedFor: 'PNG decoding, header checks and palette quantisation (libimagequant)',
    degradedWithout: 'PNG cannot be checked or quantised',
  },
  {
    name: 'sharp:gif',
    format: 'gif',
    output: true,
    library: 'cgif',
    usedFor: 'GIF header checks before anything is decoded (frames are decoded by our own compositor)',
    degradedWithout: 'GIF dimensions cannot be checked against the limits before decoding',
  },
  {
    name: 'sharp:webp',
    format: 'webp',
    output: true,
    library: 'webp',
    usedFor: 'WebP decoding and encoding (lossless and lossy)',
    degradedWithout: 'WebP cannot be optimized',
  },
  {
    name: 'sharp:avif',
    format: 'heif',
    output: true,
    library: 'aom',
    usedFor: 'AVIF decoding and encoding (AV1 through libheif + aom)',
    degradedWithout: 'AVIF cannot be optimized',
  },
  {
    name: 'sharp:svg',
    format: 'svg',
    output: false,
    library: 'rsvg',
    usedFor: 'SVG rasterising (librsvg) for header checks and the visual check of svgo output',
    degradedWithout: 'SVG sizes cannot be checked against the pixel limit',
  },
];

function sharpCapabilities(): Capability[] {
  const versions = sharp.versions as Record<string, string | undefined>;
  const core: Capability = {
    name: 'sharp',
    source: 'npm',
    npmPackage: 'sharp',
    present: true,
    version: `${versions.sharp ?? '?'} (libvips ${versions.vips ?? '?'})`,
    usedFor: 'decoding, header checks, resizing and raster encoding (libvips)',
    degradedWithout: 'nothing raster can be optimized',
    required: true,
  };
  const codecs = SHARP_CODECS.map((codec): Capability => {
    const support = sharp.format[codec.format];
    const library = versions[codec.library];
    const present =
      Boolean(support?.input.buffer) &&
      (!codec.output || Boolean(support?.output.buffer)) &&
      Boolean(library);
    return {
      name: codec.name,
      source: 'npm',
      npmPackage: 'sharp',
      present,
      ...(library ? { version: `${codec.library} ${library}` } : {}),
      usedFor: codec.usedFor,
      degradedWithout: codec.degradedWithout,
      required: true,
    };
  });
  return [core, ...codecs];
}

function npmCapabilities(): Capability[] {
  const svgo = npmPackageVersion('svgo');
  const oxipng = npmPackageVersion('@jsquash/oxipng');
  return [
    {
      name: 'svgo',
      source: 'npm',
      npmPackage: 'svgo',
      present: svgo !== undefined,
      ...(svgo ? { version: svgo } : {}),
      usedFor: 'SVG minification (after our own sanitizer)',
      degradedWithout: 'SVG cannot be optimized',
      required: true,
    },
    {
      name: 'oxipng',
      source: 'wasm',
      npmPackage: '@jsquash/oxipng',
      present: oxipng !== undefined && wasmValid('@jsquash/oxipng/codec/pkg/squoosh_oxipng_bg.wasm'),
      ...(oxipng ? { version: oxipng } : {}),
      usedFor: 'lossless PNG recompression (and the final pass of lossy PNG)',
      degradedWithout: 'lossless PNG cannot be optimized',
      required: true,
    },
  ];
}

async function debianCapabilities(): Promise<Capability[]> {
  const [jpegtran, gifsicle, pngquant] = await Promise.all([
    toolVersion('jpegtran', ['-version'], /version (\S+)/),
    toolVersion('gifsicle', ['--version'], /Gifsicle (\S+)/),
    toolVersion('pngquant', ['--version'], /^(\S+)/),
  ]);
  return [
    {
      name: 'jpegtran',
      source: 'debian',
      aptPackage: 'libjpeg-turbo-progs',
      present: jpegtran !== undefined,
      ...(jpegtran ? { version: jpegtran } : {}),
      usedFor: 'lossless JPEG optimisation (Huffman tables, progressive scans)',
      degradedWithout: 'lossless JPEG only strips metadata: the re-coding savings (typically 5 %) are lost',
      required: false,
    },
    {
      name: 'gifsicle',
      source: 'debian',
      aptPackage: 'gifsicle',
      present: gifsicle !== undefined,
      ...(gifsicle ? { version: gifsicle } : {}),
      usedFor: 'GIF optimisation, lossless (-O3) and lossy (--lossy)',
      degradedWithout:
        'GIFs are only stripped of comments and application extensions (no re-encoding, no lossy mode)',
      required: false,
    },
    {
      name: 'pngquant',
      source: 'debian',
      aptPackage: 'pngquant',
      present: pngquant !== undefined,
      ...(pngquant ? { version: pngquant } : {}),
      usedFor: 'lossy PNG palettes of any size, driven by a quality range',
      degradedWithout: "lossy PNG uses sharp's libimagequant palette (2, 4, 16 or 256 colours only)",
      required: false,
    },
  ];
}

/** Probes every capability the engine relies on. Takes a few tens of milliseconds. */
export async function detectCapabilities(): Promise<Capability[]> {
  return [...sharpCapabilities(), ...npmCapabilities(), ...(await debianCapabilities())];
}

/**
 * The shell command that installs the missing Debian tools, or undefined when none is missing.
 * Missing npm components are reinstalled with `npm ci` instead.
 */
export function aptInstallCommand(capabilities: readonly Capability[]): string | undefined {
  const packages = [
    ...new Set(capabilities.filter((c) => !c.present && c.aptPackage).map((c) => c.aptPackage!)),
  ];
  return packages.length ? `sudo apt-get install --no-install-recommends ${packages.join(' ')}` : undefined;
}
