/**
 * The node flags a forked helper process (engine child, tool runner) takes over from its parent.
 */

/** Flags that make node run something else than the forked module: with them, the child would run the parent's code. */
const CODE_FLAGS = new Set(['-e', '--eval', '-p', '--print', '-pe', '-ep']);

/** Flags that are not passed on (test runner, inspector, watch mode, REPL, eval input). */
const DROPPED_FLAG = /^--(?:test|inspect|watch|eval=|print=|interactive|input-type)|^-i$/;

/**
 * Dropped flags that take their value as the next argument when written without `=`
 * (`--test-name-pattern "some test"`): the value goes with them, or the child would take it for
 * its script and die at start.
 */
const DROPPED_WITH_VALUE = new Set([
  '--test-name-pattern',
  '--test-skip-pattern',
  '--test-reporter',
  '--test-reporter-destination',
  '--test-concurrency',
  '--test-timeout',
  '--test-shard',
  '--test-isolation',
  '--test-global-setup',
  '--test-coverage-include',
  '--test-coverage-exclude',
  '--test-coverage-branches',
  '--test-coverage-functions',
  '--test-coverage-lines',
  '--inspect-port',
  '--watch-path',
  '--input-type',
]);

/**
 * Loader flags (tsx in tests and development) pass on to the child; test-runner, inspector and
 * watch flags do not, nor `-e`/`-p` and their code (a parent started with `node -e` would
 * otherwise run its own script again in the child, which could start children of its own...).
 */
export function inheritableExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let index = 0; index < execArgv.length; index++) {
    const arg = execArgv[index]!;
    if (CODE_FLAGS.has(arg) || DROPPED_WITH_VALUE.has(arg)) index++;
    else if (!DROPPED_FLAG.test(arg)) kept.push(arg);
  }
  return kept;
}
