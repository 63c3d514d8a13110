/**
 * The progress bar of `squish optimize`: files done out of the total, bytes saved so far and the
 * time left, drawn on stderr only when stderr is a terminal (logs and pipes get no bar).
 */
import cliProgress from 'cli-progress';
import { formatBytes } from '../format-units.js';
import type { FileReport } from './file-report.js';

export interface Progress {
  /** Counts one finished file (optimized or failed). */
  fileDone(report: FileReport): void;
  /** Removes the bar, before the summary is printed. */
  stop(): void;
}

const SILENT: Progress = { fileDone() {}, stop() {} };

/** A bar over `total` files drawn on `stream`, or one that draws nothing when `stream` is not a TTY. */
export function createProgress(total: number, stream: NodeJS.WriteStream): Progress {
  if (!stream.isTTY || total === 0) return SILENT;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: '{bar} {value}/{total} files | saved {saved} | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let saved = 0;
  bar.start(total, 0, { saved: formatBytes(0) });
  return {
    fileDone(report) {
      if (report.originalSize !== null && report.optimizedSize !== null) {
        saved += report.originalSize - report.optimizedSize;
      }
      bar.increment(1, { saved: formatBytes(saved) });
    },
    stop() {
      bar.stop();
    },
  };
}
