/**
 * Re-renders an engine benchmark report from its saved JSON (bench/results/engine-<timestamp>.json)
 * with the current checks and comparisons, without re-running anything:
 * `node --import tsx bench/render-engine.ts <results.json> [--docs]`.
 * Useful when a check's definition changes after a long run.
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderChart } from './lib/chart.js';
import { evaluateChecks } from './lib/checks.js';
import { equalScoreComparisons } from './lib/comparisons.js';
import { renderMarkdown } from './lib/markdown.js';
import { BENCH_CATEGORIES, type FileRow, type HostileRow, type SummaryRow } from './lib/types.js';

interface SavedRun {
  startedAt: string;
  options: { metrics: boolean };
  header: string[];
  summaries: SummaryRow[];
  hostile?: HostileRow[];
  rows: FileRow[];
}

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const [path, flag] = process.argv.slice(2);
if (!path) {
  process.stderr.write('usage: node --import tsx bench/render-engine.ts <results.json> [--docs]\n');
  process.exit(2);
}
const run = JSON.parse(await readFile(path, 'utf8')) as SavedRun;
const categories = BENCH_CATEGORIES.filter((category) =>
  run.summaries.some((row) => row.category === category),
);
const comparisons = equalScoreComparisons(run.summaries);
const checks = evaluateChecks({
  categories,
  summaries: run.summaries,
  rows: run.rows,
  hostile: run.hostile,
  comparisons,
  metrics: run.options.metrics,
});
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
  cwd: REPO_ROOT,
  encoding: 'utf8',
}).trim();
const markdown = renderMarkdown({
  header: [...run.header, `Checks and comparisons re-evaluated from the saved rows at commit ${commit}`],
  summaries: run.summaries,
  rows: run.rows,
  skipped: [],
  comparisons,
  hostile: run.hostile,
  checks,
});
process.stdout.write(markdown);
if (flag === '--docs') {
  const docs = join(REPO_ROOT, 'docs', 'bench');
  await writeFile(join(docs, 'engine.md'), markdown);
  await writeFile(
    join(docs, 'engine.svg'),
    renderChart(run.summaries, `Squish engine benchmark, saved % (${run.startedAt.slice(0, 10)})`),
  );
}
