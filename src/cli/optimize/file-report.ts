/**
 * What `squish optimize` reports for each input file: the record behind both the JSON lines and
 * the summary table.
 */
import { ERROR_CODES, type ErrorReport } from '../../errors/index.js';

/** One written output of an image set. */
export interface SetOutputReport {
  /** The image-set entry's id. */
  id: string;
  /** The written path, as the user would write it. */
  output: string;
  /** The output's format. */
  format: string;
  optimizedSize: number;
  width: number;
  height: number;
  /** What the engine wants the user to know about this output (e.g. only the first frame kept). */
  notes: string[];
}

/** The outcome of one input file. */
export interface FileReport {
  /** The input path as the user would write it. */
  file: string;
  /** The detected input format, or null when the bytes are not a supported image (or were not read). */
  format: string | null;
  /** The written output path, or null when nothing was written (or for an image set: see `outputs`). */
  output: string | null;
  originalSize: number | null;
  /** Bytes written: the output's size, or for an image set the total of its outputs. */
  optimizedSize: number | null;
  /** The output's dimensions; for an image set, the input's. */
  width: number | null;
  height: number | null;
  /** Every output of an image set, in the plan's order; absent for a single output. */
  outputs?: SetOutputReport[];
  /** Wall time for this file: read, optimize and write. */
  ms: number;
  error: ErrorReport | null;
  /** The engine's notes on the output (for an image set: on each output, see `outputs`). */
  notes: string[];
  /**
   * True when the failure is ours or the machine's (I/O error, codec crash, internal error) rather
   * than a clear refusal of the input; any such file makes the run exit non-zero.
   */
  unexpected: boolean;
}

/**
 * Whether an error code refuses the input (4xx: unsupported, corrupt, over a limit) rather than
 * reporting a failure of Squish itself (5xx: codec failed, internal).
 */
export function isRefusal(code: ErrorReport['code']): boolean {
  return ERROR_CODES[code].status < 500;
}

/**
 * The JSON line for one file, with the documented keys in the documented order, then "notes" (the
 * engine's remarks, e.g. that only the first frame was kept), plus "outputs" ({id, output, format,
 * optimized_size, width, height, notes} each) for an image set.
 */
export function toJsonLine(report: FileReport): string {
  const saved =
    report.originalSize !== null && report.optimizedSize !== null
      ? report.originalSize - report.optimizedSize
      : null;
  return JSON.stringify({
    file: report.file,
    format: report.format,
    output: report.output,
    original_size: report.originalSize,
    optimized_size: report.optimizedSize,
    saved_bytes: saved,
    width: report.width,
    height: report.height,
    ms: Math.round(report.ms),
    error: report.error,
    notes: report.notes,
    ...(report.outputs
      ? {
          outputs: report.outputs.map((output) => ({
            id: output.id,
            output: output.output,
            format: output.format,
            optimized_size: output.optimizedSize,
            width: output.width,
            height: output.height,
            notes: output.notes,
          })),
        }
      : {}),
  });
}
