/**
 * The summary `squish optimize` prints after a run without --json: totals, a per-format breakdown
 * and the list of files that failed, each with its error code and message.
 */
import Table from 'cli-table3';
import { formatBytes, formatDuration, formatSavedPercent } from '../format-units.js';
import type { FileReport } from './file-report.js';

/** Plain tables: no colours, so the text reads the same in a terminal, a log or a test. */
const PLAIN = { style: { head: [], border: [] } };

interface Totals {
  files: number;
  failed: number;
  before: number;
  after: number;
}

function emptyTotals(): Totals {
  return { files: 0, failed: 0, before: 0, after: 0 };
}

function add(totals: Totals, report: FileReport): void {
  totals.files++;
  if (report.error) totals.failed++;
  // Sizes count only the files that were optimized, so "saved" compares like with like.
  else if (report.originalSize !== null && report.optimizedSize !== null) {
    totals.before += report.originalSize;
    totals.after += report.optimizedSize;
  }
}

/**
 * The summary text for `reports`, which took `elapsedMs` in all. Bytes before/after count the
 * files that were optimized (failed files are listed separately).
 */
export function formatSummary(reports: readonly FileReport[], elapsedMs: number): string {
  const total = emptyTotals();
  const byFormat = new Map<string, Totals>();
  for (const report of reports) {
    add(total, report);
    const key = report.format ?? 'unknown';
    let totals = byFormat.get(key);
    if (!totals) {
      totals = emptyTotals();
      byFormat.set(key, totals);
    }
    add(totals, report);
  }

  const overview = new Table({ ...PLAIN, colAligns: ['left', 'right'] });
  overview.push(
    ['Files', String(total.files)],
    ['Failed', String(total.failed)],
    ['Bytes before', formatBytes(total.before)],
    ['Bytes after', formatBytes(total.after)],
    ['Saved', formatSavedPercent(total.before, total.after)],
    ['Time', formatDuration(elapsedMs)],
  );
  // Image sets write several files per input; "Bytes after" then counts all of them.
  if (reports.some((report) => report.outputs)) {
    const written = reports.reduce(
      (count, report) => count + (report.outputs?.length ?? (report.output !== null ? 1 : 0)),
      0,
    );
    overview.splice(1, 0, ['Outputs written', String(written)]);
  }

  const formats = new Table({
    ...PLAIN,
    head: ['Format', 'Files', 'Failed', 'Before', 'After', 'Saved'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right'],
  });
  for (const [format, totals] of [...byFormat].sort(([a], [b]) => a.localeCompare(b))) {
    formats.push([
      format,
      String(totals.files),
      String(totals.failed),
      formatBytes(totals.before),
      formatBytes(totals.after),
      formatSavedPercent(totals.before, totals.after),
    ]);
  }

  const parts = [overview.toString(), formats.toString()];
  // Listed by path, not in the order the files happened to finish.
  const failures = reports
    .filter((report) => report.error)
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  if (failures.length) {
    const width = Math.max(...failures.map((report) => report.file.length));
    const codeWidth = Math.max(...failures.map((report) => report.error!.code.length));
    parts.push(
      [
        'Errors:',
        ...failures.map(
          (report) =>
            `  ${report.file.padEnd(width)}  ${report.error!.code.padEnd(codeWidth)}  ${report.error!.message}`,
        ),
      ].join('\n'),
    );
  }
  return `${parts.join('\n')}\n`;
}
