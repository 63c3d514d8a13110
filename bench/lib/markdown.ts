/** The report printed on stdout and saved to docs/bench/engine.md. */
import type { Check } from './checks.js';
import type { EqualScoreComparison } from './comparisons.js';
import type { BenchTool, FileRow, HostileRow, SummaryRow } from './types.js';

export interface ReportInput {
  header: string[];
  summaries: readonly SummaryRow[];
  rows: readonly FileRow[];
  skipped: readonly BenchTool[];
  comparisons: readonly EqualScoreComparison[];
  hostile: readonly HostileRow[] | undefined;
  checks: readonly Check[];
}

export function renderMarkdown(input: ReportInput): string {
  const out: string[] = ['# Squish engine benchmark', '', ...input.header.map((line) => `- ${line}`), ''];
  out.push(
    '"saved %" = 1 − Σkept/Σin, where kept is the output, or the original when the output is not smaller or the tool failed',
    '(never larger). "exact" = lossless outputs that decode to the same pixels (RGBA at native depth, orientation and ICC applied;',
    'GIF: same displayed canvases and durations; SVG: librsvg renderings at SSIMULACRA2 >= 90). SSIMULACRA2: kept result vs original;',
    'centre 2048² crop above 4.2 MP; alpha on white; GIF: mean of 8 timeline instants; files with a side < 64 px not scored.',
    'Times: wall time per file, one job at a time (Squish through an EnginePool of size 1, CLIs including process start); runs under 250 ms are timed in two more passes over the category and the median of the three kept.',
    'Peak RSS: the process that did the work (Squish: the engine child; CLIs: GNU time); in-process references (sharp, oxipng WASM, svgo) show "–".',
    '',
    '## Results',
    '',
  );
  out.push(
    table(
      [
        'cat',
        'tool',
        'lossy',
        'ok/err',
        'in KB',
        'out KB',
        'saved %',
        'median saved %',
        'bigger',
        'exact',
        'SSIMULACRA2 median / min',
        'median ms',
        'p90 ms',
        'peak RSS MB',
      ],
      input.summaries
        .filter((row) => row.listed)
        .map((row) => [
          row.category,
          row.squish ? `**${row.label}**` : row.label,
          row.lossy ? 'yes' : 'no',
          `${row.ok}/${row.errors}`,
          kb(row.inBytes),
          kb(row.keptBytes),
          fixed(row.savedPct),
          fixed(row.medianSavedPct),
          String(row.bigger),
          row.exact ? `${row.exact.equal}/${row.exact.of}` : '–',
          row.scoreMedian === undefined ? '–' : `${fixed(row.scoreMedian)} / ${fixed(row.scoreMin!)}`,
          whole(row.medianMs),
          whole(row.p90Ms),
          row.peakRssMb === undefined ? '–' : String(Math.round(row.peakRssMb)),
        ]),
      'llllrrrrrlrrrr',
    ),
  );
  if (input.skipped.length > 0) {
    out.push(
      '',
      `Skipped: ${input.skipped.map((t) => `${t.category} ${t.label} (${t.unavailable})`).join('; ')}.`,
    );
  }

  const sweeps = input.summaries.filter((row) => row.sweep !== undefined);
  if (sweeps.length > 0) {
    out.push('', '## Fixed-quality sweeps (for the equal-score comparison)', '');
    out.push(
      table(
        ['cat', 'sweep', 'setting', 'saved %', 'SSIMULACRA2 median / min', 'median ms'],
        sweeps.map((row) => [
          row.category,
          row.sweep!,
          row.label,
          fixed(row.savedPct),
          row.scoreMedian === undefined ? '–' : `${fixed(row.scoreMedian)} / ${fixed(row.scoreMin!)}`,
          whole(row.medianMs),
        ]),
        'lllrlr',
      ),
    );
  }

  if (input.comparisons.length > 0) {
    out.push('', '## Squish lossy vs fixed quality at the same median SSIMULACRA2', '');
    for (const c of input.comparisons) {
      const delta = c.squishSavedPct - c.reference.savedPct;
      out.push(
        `- **${c.category}**: Squish lossy median score ${fixed(c.squishScore)}, saved ${fixed(c.squishSavedPct)} %; ` +
          `${c.sweep} interpolated at ${fixed(c.squishScore)}: ${fixed(c.reference.savedPct)} % (${c.reference.basis}) → ` +
          `Squish ${delta >= 0 ? '+' : ''}${fixed(delta)} points${c.reference.clamped ? ' (score outside the sweep: nearest end point)' : ''}.`,
      );
    }
  }

  const unscored = [
    ...new Set(
      input.rows.filter((row) => row.scoreSkipped).map((row) => `${row.file} (${row.scoreSkipped})`),
    ),
  ];
  if (unscored.length > 0) out.push('', `Not scored: ${unscored.join('; ')}.`);
  const failures = input.rows.filter((row) => !row.ok);
  if (failures.length > 0) {
    out.push('', '## Errors', '');
    out.push(
      table(
        ['cat', 'tool', 'file', 'error'],
        failures.map((r) => [r.category, r.label, r.file, r.error ?? '']),
      ),
    );
  }
  const inexact = input.rows.filter((row) => row.exact === false);
  if (inexact.length > 0) {
    out.push('', '## Lossless outputs that are not exact', '');
    out.push(
      table(
        ['cat', 'tool', 'file', 'detail'],
        inexact.map((r) => [r.category, r.label, r.file, r.exactDetail ?? '']),
      ),
    );
  }

  if (input.hostile) {
    out.push('', '## Hostile files (Squish)', '');
    out.push(
      table(
        ['file', 'mode', 'outcome', 'ms', '< 5 s', 'clear', 'pool survived'],
        input.hostile.map((row) => [
          row.file,
          row.mode,
          row.outcome,
          String(Math.round(row.ms)),
          yes(row.under5s),
          yes(row.clear),
          yes(row.poolSurvived),
        ]),
        'lllrlll',
      ),
    );
  }

  out.push('', '## Checks', '');
  for (const check of input.checks) {
    const verdict = check.pass === undefined ? 'N/A ' : check.pass ? 'PASS' : 'FAIL';
    out.push(`- ${verdict} ${check.name}: ${check.detail}`);
  }
  return `${out.join('\n')}\n`;
}

function table(head: string[], body: string[][], align = ''): string {
  const escapeCell = (cell: string) => cell.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const rule = head.map((_, i) => (align[i] === 'r' ? '---:' : '---'));
  return [head, rule, ...body.map((row) => row.map(escapeCell))]
    .map((row) => `| ${row.join(' | ')} |`)
    .join('\n');
}

function kb(bytes: number): string {
  return String(Math.round(bytes / 1024));
}

function fixed(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : '–';
}

function whole(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value)) : '–';
}

function yes(value: boolean): string {
  return value ? 'yes' : '**no**';
}
