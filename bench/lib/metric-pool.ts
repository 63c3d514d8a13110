/**
 * Two worker threads for the metrics (the machine has 2 cores). Loader flags such as tsx's
 * `--import` pass on to the workers through process.execArgv, which Node gives workers by default.
 */
import { Piscina } from 'piscina';
import type { MetricResult, MetricTask } from './metric-task.js';

export interface MetricPool {
  run(task: MetricTask): Promise<MetricResult>;
  close(): Promise<void>;
}

export function openMetricPool(threads = 2): MetricPool {
  const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const piscina = new Piscina<MetricTask, MetricResult>({
    filename: new URL(`./metric-worker.${extension}`, import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    // One 12 MP decode plus a 2048² SSIMULACRA2 run needs more than the default young-generation-sized heap.
    resourceLimits: { maxOldGenerationSizeMb: 2048 },
  });
  return {
    run: (task) => piscina.run(task),
    close: () => piscina.destroy(),
  };
}
