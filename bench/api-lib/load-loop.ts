/** A closed-loop load generator: N clients, each sending its next request when the last one ends. */
import { canMeasureCpu, processCpuMs, treeCpuMs } from './cpu-time.js';

export interface LoadResult {
  /** Requests that completed successfully. */
  ok: number;
  failed: number;
  /** Wall time of the run, first start to last end. */
  seconds: number;
  requestsPerSecond: number;
  /** Latencies of the successful requests, milliseconds. */
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
  /** A few failure messages, for the report. */
  errors: string[];
  /**
   * CPU ms per successful request of this process and every process it started (engine pool
   * children, `squish serve` and its engine processes); undefined where /proc cannot tell.
   */
  cpuMsPerRequest?: number;
  /** The part of cpuMsPerRequest spent in this (the benchmark's own) process. */
  ownCpuMsPerRequest?: number;
  /** The part spent in the `server` process given to runLoad, without its children (engine processes). */
  serverCpuMsPerRequest?: number;
}

/** The q-quantile (0..1) of sorted values, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * Runs `clients` loops for `seconds`; each loop calls `work(i)` with a global request counter
 * (to rotate inputs) and times it. Requests running when the time is up finish and count.
 * `serverPid`: a process (a child of this one) whose own CPU time is reported apart.
 */
export async function runLoad(
  clients: number,
  seconds: number,
  work: (index: number) => Promise<void>,
  serverPid?: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  const errors: string[] = [];
  let failed = 0;
  let next = 0;
  const measureCpu = canMeasureCpu();
  const treeBefore = measureCpu ? treeCpuMs(process.pid) : 0;
  const ownBefore = process.cpuUsage();
  const serverBefore = measureCpu && serverPid !== undefined ? processCpuMs(serverPid) : 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const index = next++;
        const begin = performance.now();
        try {
          await work(index);
          latencies.push(performance.now() - begin);
        } catch (error) {
          failed++;
          if (errors.length < 5) errors.push(error instanceof Error ? error.message : String(error));
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const own = process.cpuUsage(ownBefore);
  const tree = measureCpu ? treeCpuMs(process.pid) - treeBefore : undefined;
  const server = measureCpu && serverPid !== undefined ? processCpuMs(serverPid) - serverBefore : undefined;
  const sorted = latencies.sort((a, b) => a - b);
  const perRequest = (ms: number) => ms / Math.max(1, sorted.length);
  return {
    ok: sorted.length,
    failed,
    seconds: elapsed,
    requestsPerSecond: sorted.length / elapsed,
    p50Ms: quantile(sorted, 0.5),
    p95Ms: quantile(sorted, 0.95),
    meanMs: sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length),
    errors,
    ...(tree === undefined
      ? {}
      : {
          cpuMsPerRequest: perRequest(tree),
          ownCpuMsPerRequest: perRequest((own.user + own.system) / 1000),
        }),
    ...(server === undefined ? {} : { serverCpuMsPerRequest: perRequest(server) }),
  };
}
