/**
 * The node flags a forked helper process (engine child, tool runner) takes over from its parent.
 */

/** Flags that make node run something else than the forked module: with them, the child would run the parent's code. */
const CODE_FLAGS = new Set(['-e', '--eval', '-p', '--print', '-pe', '-ep']);

/**
 * Loader flags (tsx in tests and development) pass on to the child; test-runner, inspector and
 * watch flags do not, nor `-e`/`-p` and their code (a parent started with `node -e` would
 * otherwise run its own script again in the child, which could start children of its own...).
 */
export function inheritableExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let index = 0; index < execArgv.length; index++) {
    const arg = execArgv[index]!;
    if (CODE_FLAGS.has(arg)) index++;
    else if (!/^--(?:test|inspect|watch|eval=|print=|interactive|input-type)|^-i$/.test(arg)) kept.push(arg);
  }
  return kept;
}
