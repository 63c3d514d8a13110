/**
 * Engine benchmark: `npm run bench:engine -- [folder] [--only jpeg,png] [--limit N] [--no-metrics]`.
 *
 * For each category folder of the corpus, every file goes through Squish lossless, Squish lossy and
 * each installed reference tool, sequentially, in the same run; then the outputs are checked
 * (pixel-exactness, SSIMULACRA2) in two worker threads. Prints the markdown report on stdout, writes
 * every per-file row to bench/results/engine-<timestamp>.json and, for full runs, the report and a
 * chart to docs/bench/.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { renderChart } from './lib/chart.js';
import { evaluateChecks } from './lib/checks.js';
import { equalScoreComparisons } from './lib/comparisons.js';
import { listFiles } from './lib/corpus.js';
import { runHostile } from './lib/hostile.js';
import { renderMarkdown } from './lib/markdown.js';
import { openMetricPool } from './lib/metric-pool.js';
import { parseOptions } from './lib/options.js';
import { openProgress } from './lib/progress.js';
import { referenceTools } from './lib/references.js';
import { runCategory } from './lib/run-category.js';
import { openEnginePool, squishTools } from './lib/squish.js';
import { summarise } from './lib/summary.js';
import {
  BENCH_CATEGORIES,
  type BenchCategory,
  type BenchTool,
  type FileRow,
  type HostileRow,
  type SummaryRow,
} from './lib/types.js';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * Cheapest categories first, hostile before the expensive JPEG metrics: a run cut short still has
 * most categories. The report lists them in the usual order.
 */
const RUN_ORDER: readonly (BenchCategory | 'hostile')[] = [
  'gif',
  'svg',
  'webp',
  'avif',
  'hostile',
  'png',
  'jpeg',
];

const options = parseOptions(process.argv.slice(2));
await requireCorpus(options.corpus, RUN_ORDER);
const startedAt = new Date();
const startLoad = loadavg()[0] ?? 0;
const progress = openProgress();

const metrics = options.metrics ? openMetricPool(2) : undefined;

const rows: FileRow[] = [];
const summaries: SummaryRow[] = [];
const skipped: BenchTool[] = [];
const categories: BenchCategory[] = [];
const fileCounts: string[] = [];
let hostile: HostileRow[] | undefined;
let engineMissing: string | undefined;
try {
  for (const category of RUN_ORDER) {
    if (options.only && !options.only.has(category)) continue;
    const files = await listFiles(join(options.corpus, category), options.limit);
    if (files.length === 0) continue;
    fileCounts.push(`${category} ${files.length}`);
    // A fresh engine process per category: its peak RSS then reflects this category's jobs only.
    const pool = await openEnginePool().catch((error: unknown) => {
      engineMissing = `engine unavailable: ${error instanceof Error ? error.message : String(error)}`;
      return engineMissing;
    });
    try {
      if (category === 'hostile') {
        if (typeof pool !== 'string') hostile = await runHostile(pool, files, progress);
      } else {
        categories.push(category);
        await runOneCategory(category, files, pool);
      }
    } finally {
      if (typeof pool !== 'string') await pool.close();
    }
    await writeReport(false);
  }
} finally {
  progress.stop();
  await metrics?.close();
}

/** Every file of one category through Squish and the references, then its summary lines. */
async function runOneCategory(
  category: BenchCategory,
  files: string[],
  pool: Awaited<ReturnType<typeof openEnginePool>> | string,
): Promise<void> {
  const tools = [...squishTools(category, pool), ...referenceTools(category)];
  // Squish's absence is stated once in the header, not per category.
  skipped.push(...tools.filter((tool) => tool.unavailable && !tool.squish));
  const categoryRows = await runCategory(category, files, tools, {
    progress,
    ...(metrics ? { metrics } : {}),
  });
  rows.push(...categoryRows);
  for (const tool of tools.filter((t) => !t.unavailable)) {
    summaries.push(
      summarise(
        tool,
        categoryRows.filter((row) => row.tool === tool.id),
      ),
    );
  }
}

const final = await writeReport(true);
process.stdout.write(final.markdown);
if (options.docs) {
  const docsDir = join(REPO_ROOT, 'docs', 'bench');
  await mkdir(docsDir, { recursive: true });
  await writeFile(join(docsDir, 'engine.md'), final.markdown);
  await writeFile(
    join(docsDir, 'engine.svg'),
    renderChart(
      final.summaries,
      `Squish engine benchmark, saved % (${startedAt.toISOString().slice(0, 10)})`,
    ),
  );
  final.written.push(join(docsDir, 'engine.md'), join(docsDir, 'engine.svg'));
}
process.stderr.write(`Wrote ${final.written.join(', ')}\n`);

/**
 * Renders the report from what has run so far and saves it (markdown and JSON) under bench/results;
 * called after every category too, so a run cut short still leaves its finished categories.
 */
async function writeReport(
  complete: boolean,
): Promise<{ markdown: string; written: string[]; summaries: SummaryRow[] }> {
  const order = (category: BenchCategory) => BENCH_CATEGORIES.indexOf(category);
  // Stable sort: tools keep their order inside a category.
  const sortedSummaries = [...summaries].sort((a, b) => order(a.category) - order(b.category));
  const comparisons = equalScoreComparisons(sortedSummaries);
  const checks = evaluateChecks({
    categories: [...categories].sort((a, b) => order(a) - order(b)),
    summaries: sortedSummaries,
    rows,
    hostile,
    comparisons,
    metrics: options.metrics,
  });
  const elapsedS = (Date.now() - startedAt.getTime()) / 1000;
  const header = [
    `Run ${startedAt.toISOString()} (${elapsedS.toFixed(0)} s${complete ? '' : ', INCOMPLETE'}), command: \`${['npm run bench:engine', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ')}\``,
    `Corpus: ${options.corpus} (${fileCounts.join(', ')} files${options.limit ? `, first ${options.limit} per category` : ''})`,
    `Commit ${gitCommit()}; Node ${process.version}; sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`,
    `Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}; load average ${startLoad.toFixed(1)} at start (shared machine: times are indicative)`,
    ...(engineMissing ? [`Squish rows missing: ${engineMissing}`] : []),
  ];
  const markdown = renderMarkdown({
    header,
    summaries: sortedSummaries,
    rows,
    skipped,
    comparisons,
    hostile,
    checks,
  });
  const resultsDir = join(REPO_ROOT, 'bench', 'results');
  await mkdir(resultsDir, { recursive: true });
  const base = join(resultsDir, `engine-${startedAt.toISOString().replace(/[:.]/g, '-')}`);
  const payload = {
    complete,
    startedAt,
    options: { ...options, only: options.only && [...options.only] },
    header,
    summaries: sortedSummaries,
    comparisons,
    checks,
    hostile,
    rows,
  };
  await writeFile(`${base}.json`, `${JSON.stringify(payload, null, 2)}\n`);
  await writeFile(`${base}.md`, markdown);
  return { markdown, written: [`${base}.json`, `${base}.md`], summaries: sortedSummaries };
}

function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
    return commit;
  } catch {
    return 'unknown';
  }
}

/**
 * Stops the run when none of the `categories` folders of `folder` holds a file: a checkout without
 * the shared corpus beside it would otherwise "pass" with empty tables, and a full run would write
 * them over docs/bench/.
 */
async function requireCorpus(folder: string, categories: readonly string[]): Promise<void> {
  const found = await Promise.all(categories.map((category) => listFiles(join(folder, category), 1)));
  if (found.some((files) => files.length > 0)) return;
  process.stderr.write(
    `bench:engine: no images under ${folder} (expected folders ${categories.join(', ')}); pass the corpus folder: npm run bench:engine -- <folder>\n`,
  );
  process.exit(2);
}
