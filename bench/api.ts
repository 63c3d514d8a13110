/**
 * API load benchmark: `npm run bench:api -- [--seconds 20] [--concurrency 2] [--variants quality,icon]`.
 * `--variants` runs only the request variants whose names start with one of the given words
 * (quality, lossless, icon; default all): on a shared machine, several short runs of the rows
 * that matter give ranges where one long run gives a single draw.
 *
 * In the manner of the imgproxy image-servers benchmark: 2048-wide JPEG photos (three corpus
 * photos resized at start), each request a Kraken upload with resize fit 512x512, JPEG out,
 * `wait: true`, from `--concurrency` closed-loop clients (undici) for a fixed time, against a
 * `squish serve` process (all roles, SQLite, local folder, `--concurrency` engine processes).
 * The same work is then timed without the platform: sharp called directly in this process
 * (resize cover 512x512 + mozjpeg, scaled as the engine scales, and with sharp's defaults), and the engine's own pool (the same plan, no HTTP, queue or
 * database), and behind the thinnest HTTP server (api-lib/bare-sharp-server.ts: the same
 * Fastify stack, nothing stored), whose share of sharp's throughput is about as far as an HTTP
 * platform can go on the machine. Prints a markdown table and writes JSON under bench/results/.
 *
 * Two request variants. "lossless default" is what the request asks (no quality): for a
 * resized JPEG the engine then searches the quality that reaches SSIMULACRA2 90 ("visually
 * lossless"), several encodes and metric runs where sharp encodes once. "quality 85" (Kraken's
 * `quality`, which implies lossy) is the same work as the sharp row: one mozjpeg encode at 85.
 * Squish runs from the build (`npm run build` first), as `npx squish` does.
 * The engine rows show how much of a gap is the engine's work rather than the platform's.
 *
 * Each row also has its CPU time per request (this process and everything it started, from
 * /proc), split into the benchmark's own process and `squish serve` without its engine
 * processes: on a shared machine requests/s follow everyone else's load, CPU per request hardly.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { type PlanInput, parsePlan } from '../src/plan/index.js';
import { krakenUploader, multipartBody, type UploadBody } from './api-lib/kraken-upload.js';
import { type LoadResult, runLoad } from './api-lib/load-loop.js';
import { BOX, PHOTOS, preparePhotos, WIDTH } from './api-lib/photos.js';
import { SHARP_QUALITY, type SharpScaling, sharpReference } from './api-lib/sharp-reference.js';
import { createKey, startSquish } from './api-lib/squish-process.js';
import { positiveNumberOption } from './lib/number-options.js';

// The engine pool from the build, as `squish serve` runs it (see api-lib/squish-process.ts).
const { EnginePool } = (await import(
  new URL('../dist/engine/index.js', import.meta.url).href
)) as typeof import('../src/engine/index.js');

/**
 * Before a timed row: one request per client at once (with `squish serve`, every engine process,
 * started with the node, has then run a job; one after another, they all went to the first
 * process, whose first jobs run slower while V8 compiles), then every input once.
 */
async function warmUp(
  upload: (index: number) => Promise<void>,
  clients: number,
  inputs: number,
): Promise<void> {
  await Promise.all(Array.from({ length: clients }, (_, index) => upload(index)));
  for (let index = 0; index < inputs; index++) await upload(index);
}

function benchSharp(
  photos: Buffer[],
  clients: number,
  seconds: number,
  scaling: SharpScaling,
): Promise<LoadResult> {
  return runLoad(clients, seconds, async (index) => {
    await sharpReference(photos[index % photos.length]!, scaling);
  });
}

/**
 * sharp's work behind the thinnest HTTP server (api-lib/bare-sharp-server.ts), from the same
 * clients with the same request bodies as `squish serve`'s quality variant: about as far as an
 * HTTP platform can go on this machine, since the server and its client share the cores with
 * the image work.
 */
async function benchBareServer(photos: Buffer[], clients: number, seconds: number): Promise<LoadResult> {
  const server = fork(fileURLToPath(new URL('./api-lib/bare-sharp-server.ts', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const [message] = (await Promise.race([
      once(server, 'message'),
      once(server, 'exit').then(() => {
        throw new Error('the bare HTTP server exited before listening');
      }),
    ])) as [{ port: number }];
    const bodies = await uploadBodies(
      { wait: true, ...QUALITY_VARIANT.kraken },
      photos,
      QUALITY_VARIANT.input,
    );
    const upload = krakenUploader(`http://127.0.0.1:${message.port}`, bodies);
    await warmUp(upload, clients, photos.length);
    return await runLoad(clients, seconds, upload, server.pid);
  } finally {
    server.kill();
  }
}

/** A request variant: the Kraken options beside auth/wait, and the same plan for the engine. */
interface Variant {
  name: string;
  kraken: Record<string, unknown>;
  plan: PlanInput;
  /**
   * photos: the 2K photos, resized. icon: a 32x32 PNG, nothing to resize, where the engine has
   * almost no work: the platform's own cost per request shows as the latency difference.
   */
  input: 'photos' | 'icon';
}

const RESIZE = { strategy: 'fit', width: BOX, height: BOX } as const;
/** sharp's own work as a request: the variant the bare HTTP server's row sends too. */
const QUALITY_VARIANT: Variant = {
  name: `quality ${SHARP_QUALITY}`,
  kraken: { quality: SHARP_QUALITY, resize: RESIZE },
  plan: { lossy: true, quality: SHARP_QUALITY, resize: RESIZE },
  input: 'photos',
};
const VARIANTS: readonly Variant[] = [
  QUALITY_VARIANT,
  { name: 'lossless default', kraken: { resize: RESIZE }, plan: { resize: RESIZE }, input: 'photos' },
  { name: 'icon, overhead', kraken: {}, plan: {}, input: 'icon' },
];

/** The inputs of each kind. */
type Inputs = Record<Variant['input'], Buffer[]>;

/**
 * Each input's multipart upload with these Kraken options, encoded once: the load generator's own
 * CPU (5.5 ms per request when it was built per request) runs on the same 2 cores as the server,
 * and is no part of the platform's cost. The requests on the wire are the same.
 */
function uploadBodies(
  kraken: Record<string, unknown>,
  inputs: Buffer[],
  kind: Variant['input'],
): Promise<UploadBody[]> {
  const options = JSON.stringify(kraken);
  return Promise.all(inputs.map((input, index) => multipartBody(options, input, `${kind}-${index}`)));
}

async function benchEngine(
  inputs: Inputs,
  clients: number,
  seconds: number,
  variant: Variant,
): Promise<LoadResult> {
  // The engine processes `squish serve` has: plain node on the build, without this process's tsx
  // loader (which every engine process would load, and keep in its heap, for nothing).
  const pool = new EnginePool({ size: clients, execArgv: [] });
  const plan = parsePlan(variant.plan);
  const photos = inputs[variant.input];
  try {
    await Promise.all(photos.slice(0, clients).map((photo) => pool.run(photo, plan)));
    return await runLoad(clients, seconds, async (index) => {
      await pool.run(photos[index % photos.length]!, plan);
    });
  } finally {
    await pool.close();
  }
}

/** How a node comes up, in ms from its spawn (see {@link measureStart}). */
interface StartTimes {
  /** The "listening" line. */
  listening: number;
  /** /readyz first answers 200 (its engine processes have started). */
  ready: number;
  /** The first request, sent once ready, and the one after it (latency each). */
  firstRequest: number;
  secondRequest: number;
}

/**
 * The node's start as a load balancer sees it: the listening line, /readyz polled every 10 ms
 * until it answers 200, then two requests one after the other.
 */
async function measureStart(
  spawnedAt: number,
  url: string,
  upload: (index: number) => Promise<void>,
): Promise<StartTimes> {
  const listening = performance.now() - spawnedAt;
  while ((await fetch(`${url}/readyz`)).status !== 200) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const ready = performance.now() - spawnedAt;
  const timed = async () => {
    const start = performance.now();
    await upload(0);
    return performance.now() - start;
  };
  const firstRequest = await timed();
  return { listening, ready, firstRequest, secondRequest: await timed() };
}

async function benchPlatform(
  inputs: Inputs,
  clients: number,
  seconds: number,
  variants: readonly Variant[],
): Promise<{ results: Map<Variant, LoadResult>; start: StartTimes }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'squish-bench-api-'));
  const key = createKey(dataDir);
  const spawnedAt = performance.now();
  const squish = await startSquish({
    dataDir,
    concurrency: clients,
    env: { ...process.env, SQUISH_LOG_LEVEL: 'warn' },
  });
  const results = new Map<Variant, LoadResult>();
  let start: StartTimes | undefined;
  try {
    for (const variant of variants) {
      const photos = inputs[variant.input];
      const bodies = await uploadBodies({ auth: key, wait: true, ...variant.kraken }, photos, variant.input);
      const upload = krakenUploader(squish.url, bodies);
      start ??= await measureStart(spawnedAt, squish.url, upload);
      await warmUp(upload, clients, photos.length);
      process.stderr.write(`squish serve, ${variant.name}...\n`);
      results.set(variant, await runLoad(clients, seconds, upload, squish.child.pid));
    }
    return { results, start: start! };
  } finally {
    await squish.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A table row; `reference` is sharp's result, absent where the work differs (the icon). */
function row(name: string, result: LoadResult, reference?: LoadResult): string {
  const ratio = (ours: number | undefined, theirs: number | undefined) =>
    ours !== undefined && theirs !== undefined ? `${((ours / theirs) * 100).toFixed(0)} %` : '–';
  const ms = (value: number | undefined) => (value === undefined ? '–' : value.toFixed(1));
  return `| ${name} | ${result.ok} | ${result.failed} | ${result.requestsPerSecond.toFixed(2)} | ${result.p50Ms.toFixed(0)} | ${result.p95Ms.toFixed(0)} | ${ratio(result.requestsPerSecond, reference?.requestsPerSecond)} | ${ms(result.cpuMsPerRequest)} | ${ms(result.ownCpuMsPerRequest)} | ${ms(result.serverCpuMsPerRequest)} | ${ratio(reference?.cpuMsPerRequest, result.cpuMsPerRequest)} |`;
}

/** A 32x32 PNG: the engine's work is a few milliseconds, so the platform's own cost stands out. */
function icon(): Promise<Buffer> {
  return sharp({ create: { width: 32, height: 32, channels: 4, background: '#3366cc80' } })
    .png()
    .toBuffer();
}

/** The variants named by `--variants` (comma-separated name prefixes), or all of them. */
function chosenVariants(): readonly Variant[] {
  const at = process.argv.indexOf('--variants');
  if (at < 0) return VARIANTS;
  const words = (process.argv[at + 1] ?? '').split(',').filter((word) => word !== '');
  const chosen = VARIANTS.filter((variant) => words.some((word) => variant.name.startsWith(word)));
  if (chosen.length === 0) {
    throw new Error(`--variants expects some of: ${VARIANTS.map((variant) => variant.name).join(', ')}`);
  }
  return chosen;
}

async function main(): Promise<void> {
  const seconds = positiveNumberOption('seconds', 20);
  const variants = chosenVariants();
  const clients = positiveNumberOption('concurrency', 2);
  const startedAt = new Date();
  const photos = await preparePhotos();
  const inputs: Inputs = { photos, icon: [await icon()] };
  const load = () => loadavg()[0]!.toFixed(2);
  process.stderr.write(
    `bench:api: ${photos.length} photos ${WIDTH} px wide, ${clients} clients, ${seconds} s per run\n`,
  );

  const loadBefore = load();
  process.stderr.write('sharp direct...\n');
  const direct = await benchSharp(photos, clients, seconds, 'engine');
  process.stderr.write('sharp direct, default scaling...\n');
  const sharpDefaults = await benchSharp(photos, clients, seconds, 'defaults');
  process.stderr.write('sharp behind a bare HTTP server...\n');
  const bare = await benchBareServer(photos, clients, seconds);
  const engine = new Map<Variant, LoadResult>();
  for (const variant of variants) {
    process.stderr.write(`engine pool, ${variant.name}...\n`);
    engine.set(variant, await benchEngine(inputs, clients, seconds, variant));
  }
  const { results: platform, start } = await benchPlatform(inputs, clients, seconds, variants);

  const lines = [
    '# Squish API benchmark',
    '',
    `- ${startedAt.toISOString()}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load average ${loadBefore} before, ${load()} after`,
    `- ${photos.length} JPEG photos resized to ${WIDTH} px wide; each request: resize fit ${BOX}x${BOX}, JPEG out`,
    `- ${clients} closed-loop clients, ${seconds} s per row; sharp: resize cover + mozjpeg q${SHARP_QUALITY} in this process,`,
    '  scaling as the engine does (the DCT shrink leaves at least 2x to Lanczos3; "vs sharp" and the verdict use this',
    "  row), and with sharp's default fast shrink-on-load (cheaper, softer: up to 0.9 SSIMULACRA2 points at 512 px)",
    '- "icon, overhead": a 32x32 PNG, lossless, no resize: the engine has almost nothing to do, so the',
    "  platform's p50 minus the engine pool's p50 is the platform's own cost per request",
    '- CPU ms/req: CPU time of the benchmark process and every process it started (engine pool',
    '  children; `squish serve` and its engine processes) per request, from /proc; "in bench" is the',
    "  benchmark's own process (sharp's work, the pool's messages, or the HTTP client); \"in server\" is",
    '  `squish serve` itself without its engine processes (HTTP, multipart, SQLite, queue, blob store);',
    "  in the bare HTTP server's row, that server with sharp's work in it.",
    "  CPU vs sharp: sharp's CPU per request over the row's, which moves far less with the machine's",
    '  other load than requests/s (the bench shares 2 cores with other work)',
    '',
    '| run | ok | failed | requests/s | p50 ms | p95 ms | vs sharp | CPU ms/req | in bench | in server | CPU vs sharp |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    row('sharp direct, same scaling as the engine', direct, direct),
    row('sharp direct, default fast shrink-on-load', sharpDefaults, direct),
    row('sharp behind a bare HTTP server (Fastify + multipart, nothing stored)', bare, direct),
  ];
  for (const variant of variants) {
    const reference = variant.input === 'photos' ? direct : undefined;
    lines.push(row(`engine pool (no HTTP), ${variant.name}`, engine.get(variant)!, reference));
    lines.push(
      row(`squish serve, Kraken upload wait:true, ${variant.name}`, platform.get(variant)!, reference),
    );
  }
  lines.push(
    '',
    `- The ceiling: sharp's work behind the thinnest HTTP server (Fastify and @fastify/multipart, as \`squish serve\` uses; the upload in memory; no accounts, queue, storage or engine processes) reached ${((bare.requestsPerSecond / direct.requestsPerSecond) * 100).toFixed(0)} % of sharp's throughput called directly, its server ${bare.serverCpuMsPerRequest?.toFixed(1) ?? '–'} ms of CPU a request against sharp's ${direct.cpuMsPerRequest?.toFixed(1) ?? '–'}: on these cores the HTTP server and its client share the CPU with the image work, so that row is about as far as an HTTP platform can go here.`,
    `- Start of \`squish serve\` (${variants[0]!.name}): listening ${start.listening.toFixed(0)} ms after its spawn, \`/readyz\` 200 (engine processes started) at ${start.ready.toFixed(0)} ms; the first request sent then took ${start.firstRequest.toFixed(0)} ms, the next ${start.secondRequest.toFixed(0)} ms.`,
  );
  for (const variant of variants) {
    const served = platform.get(variant)!;
    const pooled = engine.get(variant)!;
    if (variant.input === 'icon') {
      lines.push(
        `- ${variant.name}: the platform adds ${(served.p50Ms - pooled.p50Ms).toFixed(1)} ms per request at p50 (${served.p50Ms.toFixed(1)} ms against the engine pool's ${pooled.p50Ms.toFixed(1)} ms).`,
      );
      continue;
    }
    lines.push(
      `- ${variant.name}: platform ${((served.requestsPerSecond / pooled.requestsPerSecond) * 100).toFixed(0)} % of the engine pool's throughput (the cost of HTTP, multipart, SQLite, queue and blob store), ${((served.requestsPerSecond / direct.requestsPerSecond) * 100).toFixed(0)} % of sharp's with the same scaling (target 90 %: ${served.requestsPerSecond >= 0.9 * direct.requestsPerSecond ? 'met' : 'NOT met'}), ${((served.requestsPerSecond / sharpDefaults.requestsPerSecond) * 100).toFixed(0)} % of sharp's with its default scaling.`,
    );
    if (served.cpuMsPerRequest !== undefined && pooled.cpuMsPerRequest !== undefined) {
      const server = served.serverCpuMsPerRequest ?? 0;
      const client = served.ownCpuMsPerRequest ?? 0;
      lines.push(
        `  CPU per request: sharp ${direct.cpuMsPerRequest?.toFixed(1)} ms; engine pool ${pooled.cpuMsPerRequest.toFixed(1)} ms; platform ${served.cpuMsPerRequest.toFixed(1)} ms = squish serve ${server.toFixed(1)} + engine processes ${(served.cpuMsPerRequest - server - client).toFixed(1)} + HTTP client ${client.toFixed(1)}.`,
      );
    }
  }
  const all: [string, LoadResult][] = [
    ['sharp', direct],
    ['sharp defaults', sharpDefaults],
    ['sharp behind a bare HTTP server', bare],
    ...variants.flatMap((variant): [string, LoadResult][] => [
      [`engine ${variant.name}`, engine.get(variant)!],
      [`platform ${variant.name}`, platform.get(variant)!],
    ]),
  ];
  for (const [name, result] of all) {
    if (result.errors.length > 0) lines.push('', `${name} errors: ${result.errors.join('; ')}`);
  }
  const report = lines.join('\n');
  process.stdout.write(`${report}\n`);

  const resultsDir = path.join(
    import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname),
    'results',
  );
  mkdirSync(resultsDir, { recursive: true });
  const base = path.join(resultsDir, `api-${startedAt.toISOString().replace(/[:.]/g, '-')}`);
  writeFileSync(
    `${base}.json`,
    `${JSON.stringify({ startedAt, seconds, clients, width: WIDTH, box: BOX, sharpQuality: SHARP_QUALITY, photos: PHOTOS, loadBefore, start, runs: Object.fromEntries(all) }, null, 2)}\n`,
  );
  writeFileSync(`${base}.md`, `${report}\n`);
  process.stderr.write(`written: ${base}.json\n`);
}

await main();
