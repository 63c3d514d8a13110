/** Turns per-file rows into the (category, tool) lines of the table. */
import { median, quantile, savedPercent, sum } from './stats.js';
import type { BenchTool, FileRow, SummaryRow } from './types.js';

/**
 * Summarises one tool's rows. A file the tool failed on counts as "original kept" in the byte sums,
 * so every tool of a category is measured over the same input bytes.
 */
export function summarise(tool: BenchTool, rows: readonly FileRow[]): SummaryRow {
  const ok = rows.filter((row) => row.ok);
  const inBytes = sum(rows.map((row) => row.inBytes));
  const keptBytes = sum(rows.map((row) => row.keptBytes ?? row.inBytes));
  const exactRows = ok.filter((row) => row.exact !== undefined);
  const scores = ok.flatMap((row) => (row.score === undefined ? [] : [row.score]));
  const times = ok.map((row) => row.ms);
  const rss = ok.flatMap((row) => (row.peakRssBytes === undefined ? [] : [row.peakRssBytes]));
  return {
    category: tool.category,
    tool: tool.id,
    label: tool.label,
    lossy: tool.lossy,
    squish: tool.squish,
    ...(tool.quality === undefined ? {} : { quality: tool.quality }),
    ...(tool.sweep === undefined ? {} : { sweep: tool.sweep }),
    listed: tool.listed !== false,
    files: rows.length,
    ok: ok.length,
    errors: rows.length - ok.length,
    inBytes,
    outBytes: sum(ok.map((row) => row.outBytes ?? row.inBytes)),
    keptBytes,
    savedPct: savedPercent(inBytes, keptBytes),
    medianSavedPct: median(ok.map((row) => savedPercent(row.inBytes, row.keptBytes ?? row.inBytes))),
    bigger: ok.filter((row) => (row.outBytes ?? 0) > row.inBytes).length,
    ...(exactRows.length > 0
      ? { exact: { equal: exactRows.filter((row) => row.exact).length, of: exactRows.length } }
      : {}),
    ...(scores.length > 0 ? { scoreMedian: median(scores), scoreMin: Math.min(...scores) } : {}),
    scored: scores.length,
    medianMs: median(times),
    p90Ms: quantile(times, 0.9),
    maxMs: times.length > 0 ? Math.max(...times) : Number.NaN,
    ...(rss.length > 0 ? { peakRssMb: Math.max(...rss) / 1024 / 1024 } : {}),
  };
}
