/** Squish lossy against its category's fixed-quality sweep, at Squish's own median score. */
import { type EqualScoreSaving, savingAtScore } from './equal-score.js';
import { SWEEP_OF } from './references.js';
import type { BenchCategory, SummaryRow } from './types.js';

export interface EqualScoreComparison {
  category: BenchCategory;
  sweep: string;
  squishScore: number;
  squishSavedPct: number;
  reference: EqualScoreSaving;
}

export function equalScoreComparisons(summaries: readonly SummaryRow[]): EqualScoreComparison[] {
  const comparisons: EqualScoreComparison[] = [];
  for (const lossy of summaries.filter((row) => row.tool === 'squish-lossy')) {
    const sweep = SWEEP_OF[lossy.category];
    if (!sweep || lossy.scoreMedian === undefined) continue;
    const points = summaries
      .filter(
        (row) => row.category === lossy.category && row.sweep === sweep && row.scoreMedian !== undefined,
      )
      .map((row) => ({ label: row.label, score: row.scoreMedian!, savedPct: row.savedPct }));
    const reference = savingAtScore(points, lossy.scoreMedian);
    if (!reference) continue;
    comparisons.push({
      category: lossy.category,
      sweep,
      squishScore: lossy.scoreMedian,
      squishSavedPct: lossy.savedPct,
      reference,
    });
  }
  return comparisons;
}
