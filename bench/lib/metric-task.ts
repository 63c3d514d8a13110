/** The job the metric worker threads run: one output checked against its original. */
import type { BenchCategory } from './types.js';

export interface MetricTask {
  category: BenchCategory;
  /** 'exact' for lossless rows (pixel-exactness), 'score' for lossy rows (SSIMULACRA2). */
  kind: 'exact' | 'score';
  original: Uint8Array;
  output: Uint8Array;
}

export interface MetricResult {
  exact?: boolean;
  exactDetail?: string;
  score?: number;
  scoreSkipped?: string;
}
