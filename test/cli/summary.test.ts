/** The summary table's image-set line: how many files a run wrote when inputs have several outputs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FileReport } from '../../src/cli/optimize/file-report.js';
import { formatSummary } from '../../src/cli/optimize/summary.js';

const base: FileReport = {
  file: 'a.jpg',
  format: 'jpeg',
  output: 'out/a.jpg',
  originalSize: 1000,
  optimizedSize: 600,
  width: 10,
  height: 10,
  ms: 5,
  error: null,
  notes: [],
  unexpected: false,
};

describe('formatSummary', () => {
  it('counts every output of an image set, and says nothing of outputs without sets', () => {
    const set: FileReport = {
      ...base,
      file: 'b.png',
      format: 'png',
      output: null,
      optimizedSize: 900,
      outputs: [
        { id: 's', output: 'out/b.s.png', format: 'png', optimizedSize: 300, width: 5, height: 5, notes: [] },
        {
          id: 'w',
          output: 'out/b.w.webp',
          format: 'webp',
          optimizedSize: 600,
          width: 10,
          height: 10,
          notes: [],
        },
      ],
    };
    assert.match(formatSummary([base, set], 10), /Outputs written\s*│\s*3\s*│/);
    assert.match(formatSummary([base, set], 10), /Bytes after\s*│\s*1\.5 KB/);
    assert.doesNotMatch(formatSummary([base], 10), /Outputs written/);
  });
});
