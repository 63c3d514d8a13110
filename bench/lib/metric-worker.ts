/**
 * Piscina worker: runs one MetricTask. Decoding and SSIMULACRA2 are CPU-bound and synchronous in
 * WASM, so they run in worker threads, after the timed encodes of a category.
 */
import type { MetricResult, MetricTask } from './metric-task.js';
import { perceptualScore } from './perceptual-score.js';
import { checkExact } from './pixel-exact.js';

export default async function runMetricTask(task: MetricTask): Promise<MetricResult> {
  try {
    if (task.kind === 'exact') {
      const verdict = await checkExact(task.category, task.original, task.output);
      return {
        exact: verdict.exact,
        ...(verdict.detail ? { exactDetail: verdict.detail } : {}),
        ...(verdict.score === undefined ? {} : { score: verdict.score }),
      };
    }
    const verdict = await perceptualScore(task.category, task.original, task.output);
    return 'score' in verdict ? { score: verdict.score } : { scoreSkipped: verdict.skipped };
  } catch (error) {
    const message = `metric failed: ${error instanceof Error ? error.message : String(error)}`;
    return task.kind === 'exact' ? { exact: false, exactDetail: message } : { scoreSkipped: message };
  }
}
