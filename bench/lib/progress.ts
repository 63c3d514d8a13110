/** A progress bar on stderr (cli-progress), so stdout carries only the report. */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Adds work to the bar's total. */
  add(count: number): void;
  /** Marks one unit done and says what is running now. */
  tick(what: string): void;
  /** Shows what is running without counting a unit. */
  show(what: string): void;
  stop(): void;
}

export function openProgress(): Progress {
  const bar = new cliProgress.SingleBar(
    {
      format: '{bar} {value}/{total} {duration_formatted} | {what}',
      hideCursor: true,
      stream: process.stderr,
      etaBuffer: 50,
      // When stderr is a log file, still say where the run is, every 10 s.
      noTTYOutput: true,
      notTTYSchedule: 10_000,
    },
    cliProgress.Presets.shades_classic,
  );
  let total = 0;
  let started = false;
  return {
    add(count) {
      total += count;
      if (!started) {
        bar.start(total, 0, { what: '' });
        started = true;
      } else bar.setTotal(total);
    },
    tick(what) {
      bar.increment(1, { what });
    },
    show(what) {
      bar.update({ what });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
