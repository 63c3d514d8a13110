/** Command line of `npm run bench:engine -- [folder] [--only jpeg,png] [--limit N] [--no-metrics]`. */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_CORPUS } from './corpus.js';
import { BENCH_CATEGORIES, type BenchCategory } from './types.js';

export interface BenchOptions {
  corpus: string;
  /** Categories to run; `hostile` is a pseudo-category here. */
  only?: Set<BenchCategory | 'hostile'>;
  limit?: number;
  metrics: boolean;
  /** Whether docs/bench/ gets rewritten (full runs only, unless forced). */
  docs: boolean;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function parseOptions(argv: readonly string[]): BenchOptions {
  const program = new Command('bench:engine')
    .description('Benchmark the Squish engine against the reference tools on a corpus')
    .argument('[folder]', 'corpus with one folder per category', '../shared/corpus')
    .option(
      '--only <categories>',
      `comma-separated subset of ${[...BENCH_CATEGORIES, 'hostile'].join(',')}`,
      parseOnly,
    )
    .option('--limit <n>', 'first N files (by name) per category, for quick runs', parseLimit)
    .option('--no-metrics', 'skip pixel-exactness and SSIMULACRA2')
    .option('--docs', 'write docs/bench/ even for a partial run (--only/--limit/--no-metrics)')
    .parse([...argv], { from: 'user' });
  const opts = program.opts<{
    only?: Set<BenchCategory | 'hostile'>;
    limit?: number;
    metrics: boolean;
    docs?: boolean;
  }>();
  const folder = program.args[0];
  const partial = opts.only !== undefined || opts.limit !== undefined || !opts.metrics;
  return {
    // Relative to the repository, wherever the command is started from.
    corpus: folder === undefined ? DEFAULT_CORPUS : resolve(REPO_ROOT, folder),
    ...(opts.only ? { only: opts.only } : {}),
    ...(opts.limit === undefined ? {} : { limit: opts.limit }),
    metrics: opts.metrics,
    docs: opts.docs === true || !partial,
  };
}

function parseOnly(value: string): Set<BenchCategory | 'hostile'> {
  const known: readonly string[] = [...BENCH_CATEGORIES, 'hostile'];
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown categories: ${unknown.join(', ')}`);
  return new Set(names as (BenchCategory | 'hostile')[]);
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}
