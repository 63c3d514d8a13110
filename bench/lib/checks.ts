/** The issue's acceptance checks, evaluated on one benchmark run. */
import type { EqualScoreComparison } from './comparisons.js';
import { FIXED_ENCODE, LOSSLESS_BASELINE } from './references.js';
import { median } from './stats.js';
import type { BenchCategory, FileRow, HostileRow, SummaryRow } from './types.js';

export interface Check {
  name: string;
  /** undefined: could not be evaluated in this run (tool missing, metrics off, category absent). */
  pass: boolean | undefined;
  detail: string;
}

export interface CheckInput {
  categories: readonly BenchCategory[];
  summaries: readonly SummaryRow[];
  rows: readonly FileRow[];
  hostile: readonly HostileRow[] | undefined;
  comparisons: readonly EqualScoreComparison[];
  metrics: boolean;
}

const RASTER: readonly BenchCategory[] = ['jpeg', 'png', 'gif', 'webp', 'avif'];
const LARGE_PHOTO = 'exif-42_IndexError_12MP.jpg';
const RSS_LIMIT_MB = 400;

export function evaluateChecks(input: CheckInput): Check[] {
  const checks: Check[] = [];
  const find = (category: BenchCategory, tool: string) =>
    input.summaries.find((row) => row.category === category && row.tool === tool);

  for (const category of input.categories.filter((c) => RASTER.includes(c))) {
    const squish = find(category, 'squish-lossless');
    const name = `${category}: Squish lossless is pixel-identical on every file`;
    if (!squish || squish.ok === 0) checks.push({ name, ...notRun(squish) });
    else if (!input.metrics) checks.push({ name, pass: undefined, detail: 'metrics off (--no-metrics)' });
    else {
      const equal = squish.exact?.equal ?? 0;
      const failing = input.rows
        .filter((row) => row.category === category && row.tool === 'squish-lossless' && row.exact !== true)
        .map((row) => `${row.file} (${row.exactDetail ?? row.error ?? 'not checked'})`);
      checks.push({
        name,
        pass: equal === squish.files,
        detail: `${equal}/${squish.files}${failing.length > 0 ? `; not exact: ${failing.join(', ')}` : ''}`,
      });
    }
  }

  for (const category of input.categories) {
    const baselineId = LOSSLESS_BASELINE[category];
    const squish = find(category, 'squish-lossless');
    const reference = baselineId ? find(category, baselineId) : undefined;
    const name = `${category}: Squish lossless saves at least as much as ${reference?.label ?? baselineId ?? 'the reference'}`;
    if (!baselineId) continue;
    if (!squish || squish.ok === 0 || !reference || reference.ok === 0) {
      checks.push({ name, pass: undefined, detail: 'Squish or the reference did not run' });
    } else {
      checks.push({
        name,
        pass: squish.savedPct >= reference.savedPct,
        detail: `${pct(squish.savedPct)} vs ${pct(reference.savedPct)}`,
      });
    }
  }

  if (input.categories.includes('svg')) {
    // The SVG counterpart of "lossless is pixel-identical"; lossy SVG output is held to the lossy check.
    const name = 'svg: every SVG renders the same after Squish lossless (SSIMULACRA2 >= 90)';
    const svgRows = input.rows.filter((row) => row.category === 'svg' && row.tool === 'squish-lossless');
    if (svgRows.length === 0) checks.push({ name, pass: undefined, detail: 'Squish did not run' });
    else if (!input.metrics) checks.push({ name, pass: undefined, detail: 'metrics off (--no-metrics)' });
    else {
      const bad = svgRows.filter((row) => !(row.ok && row.exact === true));
      checks.push({
        name,
        pass: bad.length === 0,
        detail:
          bad.length === 0
            ? `${svgRows.length}/${svgRows.length}`
            : `failing: ${bad.map((row) => `${row.file} (${row.score?.toFixed(1) ?? row.error ?? row.exactDetail ?? 'no score'})`).join(', ')}`,
      });
    }
  }

  for (const category of input.categories) {
    const squish = find(category, 'squish-lossy');
    const name = `${category}: Squish lossy median >= 80, min >= 70, saving above the fixed-quality sweep at equal score`;
    if (!squish || squish.ok === 0) {
      checks.push({ name, ...notRun(squish) });
      continue;
    }
    if (!input.metrics || squish.scoreMedian === undefined) {
      checks.push({ name, pass: undefined, detail: 'no scores (metrics off or no scorable file)' });
      continue;
    }
    const comparison = input.comparisons.find((c) => c.category === category);
    const quality = squish.scoreMedian >= 80 && (squish.scoreMin ?? 0) >= 70;
    const saving = comparison ? comparison.squishSavedPct > comparison.reference.savedPct : undefined;
    const parts = [`median ${squish.scoreMedian.toFixed(1)}, min ${squish.scoreMin?.toFixed(1)}`];
    if (comparison) {
      parts.push(
        `saved ${pct(comparison.squishSavedPct)} vs ${pct(comparison.reference.savedPct)} (${comparison.sweep}, ${comparison.reference.basis})`,
      );
    } else parts.push('no equal-score comparison (no sweep, or no scored sweep point)');
    checks.push({ name, pass: saving === undefined ? quality : quality && saving, detail: parts.join('; ') });
  }

  for (const category of input.categories) {
    const squish = find(category, 'squish-lossless');
    const references = input.summaries.filter(
      (row) => row.category === category && !row.squish && !row.lossy && row.ok > 0,
    );
    if (references.length === 0) continue;
    const fastest = references.reduce((a, b) => (a.medianMs <= b.medianMs ? a : b));
    const name = `${category}: Squish lossless median time <= 1.5x the fastest reference (${fastest.label})`;
    if (!squish || squish.ok === 0) checks.push({ name, ...notRun(squish) });
    else {
      checks.push({
        name,
        pass: squish.medianMs <= 1.5 * fastest.medianMs,
        detail: `${ms(squish.medianMs)} vs ${ms(fastest.medianMs)} (${(squish.medianMs / fastest.medianMs).toFixed(2)}x)`,
      });
    }
  }

  for (const category of input.categories) {
    const fixedId = FIXED_ENCODE[category];
    const fixed = fixedId ? find(category, fixedId) : undefined;
    const squish = find(category, 'squish-lossy');
    if (!fixedId) continue;
    const name = `${category}: Squish lossy time <= 3x one fixed-quality encode of the same file, median over files (${fixed?.label ?? fixedId})`;
    const ratios = sameFileRatios(input.rows, category, 'squish-lossy', fixedId);
    if (!squish || squish.ok === 0 || !fixed || fixed.ok === 0 || ratios.length === 0) {
      checks.push({ name, pass: undefined, detail: 'Squish or the reference did not run' });
    } else {
      const perFile = median(ratios);
      const ofMedians = squish.medianMs / fixed.medianMs;
      checks.push({
        name,
        pass: perFile <= 3,
        detail: `${perFile.toFixed(2)}x over ${ratios.length} files (median times ${ms(squish.medianMs)} vs ${ms(fixed.medianMs)}, ${ofMedians.toFixed(2)}x)`,
      });
    }
  }

  if (input.categories.includes('jpeg')) {
    const name = `Peak RSS < ${RSS_LIMIT_MB} MB on the 12 MP photo (${LARGE_PHOTO}), lossless and lossy`;
    const photo = input.rows.filter((row) => row.file === LARGE_PHOTO && row.squish && row.ok);
    const rss = photo.flatMap((row) =>
      row.peakRssBytes === undefined ? [] : [row.peakRssBytes / 1024 / 1024],
    );
    if (rss.length === 0)
      checks.push({ name, pass: undefined, detail: 'photo not in this run or no RSS reported' });
    else {
      const peak = Math.max(...rss);
      checks.push({ name, pass: peak < RSS_LIMIT_MB && rss.length === 2, detail: `${peak.toFixed(0)} MB` });
    }
  }

  if (input.hostile) {
    const name = 'hostile: every file < 5 s with a clear error or a safe result, and the pool survives';
    const bad = input.hostile.filter((row) => !(row.under5s && row.clear && row.poolSurvived));
    checks.push({
      name,
      pass: input.hostile.length > 0 && bad.length === 0,
      detail:
        bad.length === 0
          ? `${input.hostile.length}/${input.hostile.length} jobs`
          : `failing: ${bad.map((row) => `${row.file} ${row.mode} (${row.outcome}, ${ms(row.ms)}${row.poolSurvived ? '' : ', pool died'})`).join('; ')}`,
    });
  }
  return checks;
}

/**
 * Per file that both tools handled, `tool`'s time over `reference`'s: how many times one encode
 * of that same file the search took, as issue 2 words the lossy speed check. Until 2026-11-27 the
 * check divided the two tools' median times instead, which sets one tool's median file against the
 * other's: on the 16 corpus SVGs, whose svgo times run from 2 to 1 200 ms, svgo's median fell
 * between gnome-field (24 ms) and tango (44 ms) in one run while the search's fell between tango
 * and gnome-dune, and the quotient moved with those draws (2.3x to 4.4x over 26 runs).
 */
export function sameFileRatios(
  rows: readonly FileRow[],
  category: BenchCategory,
  tool: string,
  reference: string,
): number[] {
  const referenceMs = new Map(
    rows
      .filter((row) => row.category === category && row.tool === reference && row.ok && row.ms > 0)
      .map((row) => [row.file, row.ms]),
  );
  return rows.flatMap((row) => {
    const base =
      row.category === category && row.tool === tool && row.ok ? referenceMs.get(row.file) : undefined;
    return base === undefined ? [] : [row.ms / base];
  });
}

/** Squish absent from the run cannot be judged; Squish failing on every file fails the check. */
function notRun(squish: SummaryRow | undefined): Omit<Check, 'name'> {
  return squish
    ? { pass: false, detail: `Squish failed on all ${squish.files} files` }
    : { pass: undefined, detail: 'Squish did not run' };
}

function pct(value: number): string {
  return `${value.toFixed(1)} %`;
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}
