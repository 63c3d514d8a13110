import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateChecks, sameFileRatios } from '../../bench/lib/checks.js';
import type { FileRow, SummaryRow } from '../../bench/lib/types.js';

function row(tool: string, file: string, ms: number, ok = true): FileRow {
  return { category: 'svg', tool, file, ms, ok, squish: tool.startsWith('squish') } as FileRow;
}

function summary(tool: string, medianMs: number): SummaryRow {
  return {
    category: 'svg',
    tool,
    label: tool,
    squish: tool.startsWith('squish'),
    lossy: tool === 'squish-lossy',
    ok: 3,
    files: 3,
    medianMs,
  } as SummaryRow;
}

describe('the lossy speed check', () => {
  it('divides each file by the same file, skipping files either tool failed', () => {
    const rows = [
      row('squish-lossy', 'a.svg', 30),
      row('svgo', 'a.svg', 10),
      row('squish-lossy', 'b.svg', 100),
      row('svgo', 'b.svg', 50),
      row('squish-lossy', 'c.svg', 90, false),
      row('svgo', 'c.svg', 1),
      row('squish-lossy', 'd.svg', 5),
    ];
    assert.deepEqual(sameFileRatios(rows, 'svg', 'squish-lossy', 'svgo'), [3, 2]);
  });

  it('passes on the median of the per-file ratios, not on the ratio of the medians', () => {
    // Per file the search takes 2x to 10x the encode (median 2x); the medians are different files
    // (a for the search, d for svgo) and would read 5x.
    const times: [string, number, number][] = [
      ['a.svg', 20, 10],
      ['b.svg', 6, 3],
      ['c.svg', 50, 25],
      ['d.svg', 40, 4],
      ['e.svg', 3, 1],
    ];
    const rows = times.flatMap(([file, search, encode]) => [
      row('squish-lossy', file, search),
      row('svgo', file, encode),
    ]);
    const checks = evaluateChecks({
      categories: ['svg'],
      summaries: [summary('squish-lossy', 20), summary('svgo', 4)],
      rows,
      hostile: undefined,
      comparisons: [],
      metrics: false,
    });
    const check = checks.find((c) => c.name.startsWith('svg: Squish lossy time'));
    assert.equal(check?.pass, true);
    assert.match(check!.detail, /^2\.00x over 5 files \(median times 20 ms vs 4 ms, 5\.00x\)/);
  });
});
