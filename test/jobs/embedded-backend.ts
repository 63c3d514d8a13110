/**
 * Opens the embedded queue for the conformance suite, in the test process and in the child
 * process that the suite kills (which imports this module by name).
 */
import { EmbeddedQueue } from '../../src/jobs/index.js';

/** Short polls keep the suite fast: jobs and outcomes of another instance are seen within 25 ms. */
export async function openEmbeddedQueue(arg: { file: string }): Promise<EmbeddedQueue> {
  return new EmbeddedQueue({ file: arg.file, pollIntervalMs: 25 });
}
