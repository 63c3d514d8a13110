/** The janitor role: expires jobs and their files, prunes usage and queue history, sweeps orphans, wakes lost webhook deliveries. */
export { type Janitor, type JanitorDeps, type JanitorRun, startJanitor } from './janitor.js';
