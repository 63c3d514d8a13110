/**
 * Soak: `npm run bench:soak -- [--seconds 600] [--clients 4] [--sample 30]`.
 *
 * Runs `squish serve` from the build (SQLite, the embedded queue, a local folder) under a mixed
 * load for a fixed time and watches what a long-running node must not do: grow without bound
 * (memory, file descriptors, engine processes, the SQLite file, stored files) or fail a request
 * it should answer. Results live 60 s (SQUISH_RESULT_TTL), so the janitor's expiry runs within
 * the soak, and image URLs and callbacks point at a local server (SQUISH_ALLOW_PRIVATE_NETWORKS).
 *
 * The mix, round robin over `--clients` closed-loop clients: uploads of small corpus images of
 * every format (lossless, lossy, resized, converted to WebP, a fixed quality) and of every hostile
 * corpus file; `/v1/url` with `wait`; `/v1/url` with a `callback_url`. Every result is downloaded
 * and its length checked; every callback's signature is verified.
 *
 * Prints a markdown table of samples and a summary on stdout; exits 1 when any request went
 * wrong: a 5xx, a refusal of a good image, a connection error, a download that does not match,
 * a callback that did not arrive or did not verify. Hostile files refused with a 4xx are expected.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { multipartBody, type UploadBody } from './api-lib/kraken-upload.js';
import { type NodeSample, sampleNode } from './api-lib/node-sample.js';
import { createKey, startSquish } from './api-lib/squish-process.js';
import { corpusFile, DEFAULT_CORPUS } from './lib/corpus.js';
import { wholeNumberOption } from './lib/number-options.js';
import { openProgress } from './lib/progress.js';
import { startBenchReceiver } from './lib/webhooks-receiver.js';

const SECONDS = wholeNumberOption('seconds', 600);
const CLIENTS = wholeNumberOption('clients', 4);
const SAMPLE_SECONDS = wholeNumberOption('sample', 30);
/** How long callbacks may take to arrive after the last request. */
const CALLBACK_GRACE_MS = 30_000;

/** Small images of every format, so that a soak makes many requests. */
const GOOD_FILES = [
  'png/tango-network_local-32.png',
  'png/pngsuite-tbbn3p08.png',
  'png/sk-horse.png',
  'jpeg/pil-hopper.jpg',
  'jpeg/pil-flower.jpg',
  'jpeg/exif-nikon-e950.jpg',
  'gif/pil-hopper.gif',
  'gif/gifsicle-logo-anim.gif',
  'svg/oc-star_75pt08step.svg',
  'svg/oc-goto.svg',
];
const VARIANTS: Record<string, unknown>[] = [
  {},
  { lossy: true },
  { lossy: true, resize: { strategy: 'fit', width: 64, height: 64 } },
  { convert: { format: 'webp' } },
  { quality: 70 },
];

interface Upload extends UploadBody {
  file: string;
  hostile: boolean;
}

interface Tally {
  ok: number;
  refusedHostile: number;
  downloads: number;
  callbacksAsked: number;
  /** What went wrong, by kind, with a count. */
  wrong: Map<string, number>;
}

/** One multipart upload per file and variant, encoded once. */
async function encodeUploads(auth: object): Promise<Upload[]> {
  const hostile = readdirSync(path.join(DEFAULT_CORPUS, 'hostile')).map((name) => `hostile/${name}`);
  const files = [...GOOD_FILES, ...hostile];
  return Promise.all(
    files.map(async (file, index) => ({
      file,
      hostile: file.startsWith('hostile/'),
      ...(await multipartBody(
        JSON.stringify({ auth, wait: true, ...VARIANTS[index % VARIANTS.length] }),
        readFileSync(corpusFile(file)),
        path.basename(file),
      )),
    })),
  );
}

/** Serves GOOD_FILES by their corpus path, for `/v1/url`. */
async function startImageServer(): Promise<{ url: string; server: Server }> {
  const images = new Map(GOOD_FILES.map((file) => [`/${file}`, readFileSync(corpusFile(file))]));
  const server = createServer((req, res) => {
    const image = images.get(req.url ?? '');
    if (image) res.writeHead(200).end(image);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, server };
}

function note(tally: Tally, what: string): void {
  tally.wrong.set(what, (tally.wrong.get(what) ?? 0) + 1);
}

const MB = (value: number) => value.toFixed(0);

function sampleRow(seconds: number, tally: Tally, sample: NodeSample, callbacks: number): string {
  const wrong = [...tally.wrong.values()].reduce((sum, count) => sum + count, 0);
  return `| ${seconds} | ${tally.ok} | ${tally.refusedHostile} | ${wrong} | ${tally.downloads} | ${callbacks}/${tally.callbacksAsked} | ${MB(sample.serverRssMb)} | ${sample.serverFds} | ${sample.childRssMb.map(MB).join(', ')} | ${sample.databaseMb.toFixed(1)} | ${sample.walMb.toFixed(1)} | ${MB(sample.blobsMb)} |`;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'squish-bench-soak-'));
  const key = createKey(dataDir);
  const auth = { api_key: key.api_key, api_secret: key.api_secret };
  const receiver = await startBenchReceiver(key.signing_secret);
  const images = await startImageServer();
  const uploads = await encodeUploads(auth);
  const node = await startSquish({
    dataDir,
    concurrency: cpus().length,
    env: {
      ...process.env,
      SQUISH_LOG_LEVEL: 'warn',
      SQUISH_RESULT_TTL: '60',
      SQUISH_ALLOW_PRIVATE_NETWORKS: '1',
    },
  });
  const pid = node.child.pid!;
  const tally: Tally = { ok: 0, refusedHostile: 0, downloads: 0, callbacksAsked: 0, wrong: new Map() };
  const rows: string[] = [];
  const startedAt = Date.now();
  const endAt = startedAt + SECONDS * 1000;
  const progress = openProgress();
  progress.add(SECONDS);
  const ticker = setInterval(() => progress.tick(`soak, ${tally.ok} answered`), 1000);
  const sampler = setInterval(() => {
    const seconds = Math.round((Date.now() - startedAt) / 1000);
    rows.push(sampleRow(seconds, tally, sampleNode(pid, dataDir), receiver.requests));
  }, SAMPLE_SECONDS * 1000);
  rows.push(sampleRow(0, tally, sampleNode(pid, dataDir), 0));

  /** One request of the mix; `turn` picks its kind and input. */
  async function oneRequest(turn: number): Promise<void> {
    const kind = turn % 10;
    let response: Awaited<ReturnType<typeof request>>;
    let upload: Upload | undefined;
    if (kind >= 8) {
      const file = GOOD_FILES[turn % GOOD_FILES.length]!;
      const mode = kind === 8 ? { wait: true, lossy: true } : { callback_url: `${receiver.url}/soak` };
      if (kind === 9) tally.callbacksAsked++;
      response = await request(`${node.url}/v1/url`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ auth, url: `${images.url}/${file}`, ...mode }),
      });
    } else {
      upload = uploads[turn % uploads.length]!;
      response = await request(`${node.url}/v1/upload`, {
        method: 'POST',
        body: upload.bytes,
        headers: { 'content-type': upload.contentType },
      });
    }
    const body = (await response.body.json()) as Record<string, unknown>;
    if (kind === 9) {
      if (response.statusCode === 200 && typeof body.id === 'string') tally.ok++;
      else note(tally, `callback request: HTTP ${response.statusCode}`);
      return;
    }
    if (body.success !== true) {
      if (upload?.hostile && response.statusCode >= 400 && response.statusCode < 500) tally.refusedHostile++;
      else note(tally, `HTTP ${response.statusCode} ${String(body.message).slice(0, 80)}`);
      return;
    }
    tally.ok++;
    const download = await request(String(body.kraked_url));
    const bytes = Buffer.from(await download.body.arrayBuffer());
    if (download.statusCode === 200 && bytes.length === body.kraked_size) tally.downloads++;
    else
      note(
        tally,
        `download: HTTP ${download.statusCode}, ${bytes.length} of ${String(body.kraked_size)} bytes`,
      );
  }

  let turn = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < endAt) {
        try {
          await oneRequest(turn++);
        } catch (error) {
          note(tally, `error: ${(error as Error).message.slice(0, 80)}`);
        }
      }
    }),
  );
  clearInterval(ticker);
  clearInterval(sampler);
  progress.stop();
  const graceEnd = Date.now() + CALLBACK_GRACE_MS;
  while (receiver.firstArrival.size < tally.callbacksAsked && Date.now() < graceEnd) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  rows.push(
    sampleRow(
      Math.round((Date.now() - startedAt) / 1000),
      tally,
      sampleNode(pid, dataDir),
      receiver.requests,
    ),
  );
  const missing = tally.callbacksAsked - receiver.firstArrival.size;
  if (missing > 0) tally.wrong.set('callback never arrived', missing);
  if (receiver.badSignatures > 0)
    tally.wrong.set('callback signature did not verify', receiver.badSignatures);
  await node.stop();
  await receiver.close();
  images.server.close();
  rmSync(dataDir, { recursive: true, force: true });

  const out: string[] = [
    `## squish serve soak: ${SECONDS} s, ${CLIENTS} clients`,
    '',
    `${new Date(startedAt).toISOString()}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)} at the end; SQLite, embedded queue, local folder; results live 60 s.`,
    '',
    '| s | answered | hostile refused | wrong | downloads checked | callbacks arrived/asked | server RSS MB | server fds | engine processes RSS MB | SQLite MB | WAL MB | stored files MB |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|',
    ...rows,
    '',
  ];
  if (tally.wrong.size === 0) out.push('Nothing went wrong.');
  else out.push('What went wrong:', '', ...[...tally.wrong].map(([what, count]) => `- ${count} x ${what}`));
  process.stdout.write(`${out.join('\n')}\n`);
  process.exitCode = tally.wrong.size === 0 ? 0 : 1;
}

await main();
