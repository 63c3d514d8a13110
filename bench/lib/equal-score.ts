/**
 * Saving of a fixed-quality sweep at a given score, by linear interpolation between the two sweep
 * points whose median SSIMULACRA2 brackets it. This is how Squish lossy's saving is compared with
 * "what a fixed quality setting would have saved at the same quality".
 */

export interface SweepPoint {
  label: string;
  score: number;
  savedPct: number;
}

export interface EqualScoreSaving {
  /** Interpolated saving of the sweep at the score. */
  savedPct: number;
  /** How it was obtained: between two points, or clamped to the nearest end of the sweep. */
  basis: string;
  /** True when the score lies outside the sweep's range (the value is the nearest end point's). */
  clamped: boolean;
}

export function savingAtScore(points: readonly SweepPoint[], score: number): EqualScoreSaving | undefined {
  // Points with the same score (several settings that all kept the originals score 100) count once,
  // with the best saving among them: the comparison takes the reference at its best.
  const byScore = new Map<number, SweepPoint>();
  for (const point of points.filter((p) => Number.isFinite(p.score))) {
    const known = byScore.get(point.score);
    if (!known || point.savedPct > known.savedPct) byScore.set(point.score, point);
  }
  const usable = [...byScore.values()].sort((a, b) => a.score - b.score);
  if (usable.length === 0 || !Number.isFinite(score)) return undefined;
  const lowest = usable[0]!;
  const highest = usable[usable.length - 1]!;
  if (score <= lowest.score) {
    return {
      savedPct: lowest.savedPct,
      basis: `below the sweep: ${lowest.label} (score ${f(lowest.score)})`,
      clamped: score < lowest.score,
    };
  }
  if (score >= highest.score) {
    return {
      savedPct: highest.savedPct,
      basis: `above the sweep: ${highest.label} (score ${f(highest.score)})`,
      clamped: score > highest.score,
    };
  }
  for (let i = 1; i < usable.length; i++) {
    const low = usable[i - 1]!;
    const high = usable[i]!;
    if (score <= high.score) {
      const t = high.score === low.score ? 0 : (score - low.score) / (high.score - low.score);
      return {
        savedPct: low.savedPct + t * (high.savedPct - low.savedPct),
        basis: `between ${low.label} (score ${f(low.score)}) and ${high.label} (score ${f(high.score)})`,
        clamped: false,
      };
    }
  }
  return undefined;
}

function f(value: number): string {
  return value.toFixed(1);
}
