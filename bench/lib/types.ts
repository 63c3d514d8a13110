/**
 * Shared shapes of the engine benchmark: what a tool is, what one run of it on one file records,
 * and what a (category, tool) summary holds.
 */

/** Corpus folders the benchmark knows how to measure; `hostile` is run separately. */
export const BENCH_CATEGORIES = ['jpeg', 'png', 'gif', 'svg', 'webp', 'avif'] as const;
export type BenchCategory = (typeof BENCH_CATEGORIES)[number];

/** What a tool hands back for one file. */
export interface ToolOutput {
  data: Uint8Array;
  /** Peak resident memory of the process that did the work, when it ran in its own process. */
  peakRssBytes?: number;
  /** Encoder quality setting or method chosen, for the per-file JSON. */
  method?: string;
  /** Anything worth keeping in the per-file JSON (exit code fallbacks, ...). */
  note?: string;
  /** Squish's own SSIMULACRA2 estimate (it measures samples), to set beside the benchmark's. */
  engineScore?: number;
}

/**
 * One encoder run by the benchmark: Squish itself or a reference tool.
 * `run` is timed by the caller, one file at a time.
 */
export interface BenchTool {
  /** Stable identifier used in the JSON and the chart, e.g. `jpegtran-icc`. */
  id: string;
  /** Label printed in the tables, e.g. `jpegtran -copy icc -optimize -progressive`. */
  label: string;
  category: BenchCategory;
  lossy: boolean;
  /** Squish's own rows are compared against the references. */
  squish: boolean;
  /** Encoder quality of a fixed-quality reference (sweep point), used for interpolation. */
  quality?: number;
  /** Name of the fixed-quality sweep this tool is a point of (listed again in the sweep table). */
  sweep?: string;
  /** False for sweep points shown only in the sweep table, not in the main table and chart. */
  listed?: boolean;
  /** Undefined when the tool can run; otherwise why it is skipped. */
  unavailable?: string;
  run(input: Uint8Array): Promise<ToolOutput>;
}

/** One (file, tool) measurement, as written to the JSON. */
export interface FileRow {
  category: BenchCategory;
  file: string;
  tool: string;
  label: string;
  lossy: boolean;
  squish: boolean;
  ok: boolean;
  error?: string;
  inBytes: number;
  /** Size the tool produced (undefined on error). */
  outBytes?: number;
  /** Size after the never-larger guard: the original is kept when the output is not smaller. */
  keptBytes?: number;
  ms: number;
  peakRssBytes?: number;
  method?: string;
  note?: string;
  engineScore?: number;
  /** Lossless rows: whether the kept result decodes to the original's pixels (SVG: renders at >= 90). */
  exact?: boolean;
  /** Detail of a failed exactness check (differing pixels, frames, score). */
  exactDetail?: string;
  /** SSIMULACRA2 of the kept result against the original (lossy rows, and SVG rows). */
  score?: number;
  /** Why no score was computed (image too small, metric failed, ...). */
  scoreSkipped?: string;
}

/** The figures of one (category, tool) line of the table. */
export interface SummaryRow {
  category: BenchCategory;
  tool: string;
  label: string;
  lossy: boolean;
  squish: boolean;
  quality?: number;
  sweep?: string;
  listed: boolean;
  files: number;
  ok: number;
  errors: number;
  inBytes: number;
  outBytes: number;
  keptBytes: number;
  /** 1 - Σkept/Σin over the files the tool succeeded on, in percent. */
  savedPct: number;
  medianSavedPct: number;
  /** Outputs larger than their input (replaced by the original in the sums). */
  bigger: number;
  exact?: { equal: number; of: number };
  scoreMedian?: number;
  scoreMin?: number;
  scored: number;
  medianMs: number;
  p90Ms: number;
  maxMs: number;
  peakRssMb?: number;
}

/** One hostile file through one Squish mode. */
export interface HostileRow {
  file: string;
  mode: 'lossless' | 'lossy';
  outcome: string;
  /** Error code when the engine refused the file. */
  code?: string;
  /** True for a refusal with a client-side (4xx) code or a result that decodes and carries no active content. */
  clear: boolean;
  ms: number;
  under5s: boolean;
  /** The next job in the same pool succeeded. */
  poolSurvived: boolean;
}
