import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromaDetail } from '../../../src/engine/codecs/jpeg/subsampling.js';

/** The definition, the slow way: every 2x2 block's mean absolute Cb/Cr deviation, sorted, 99th percentile. */
function chromaDetailBySorting(data: Uint8Array, width: number, height: number): number {
  const deviations: number[] = [];
  const ycc = (i: number) => [
    -0.168736 * data[i]! - 0.331264 * data[i + 1]! + 0.5 * data[i + 2]!,
    0.5 * data[i]! - 0.418688 * data[i + 1]! - 0.081312 * data[i + 2]!,
  ];
  for (let y = 0; y + 1 < height; y += 2) {
    for (let x = 0; x + 1 < width; x += 2) {
      const block = [0, 1, 2, 3].map((k) => ycc(((y + (k >> 1)) * width + x + (k & 1)) * 3));
      const mean = [0, 1].map((c) => block.reduce((sum, v) => sum + v[c]!, 0) / 4);
      const deviation = block.reduce(
        (sum, v) => sum + Math.abs(v[0]! - mean[0]!) + Math.abs(v[1]! - mean[1]!),
        0,
      );
      deviations.push(Math.fround(deviation / 4));
    }
  }
  deviations.sort((a, b) => a - b);
  return deviations[Math.floor(deviations.length * 0.99)]!;
}

test('chromaDetail is the 99th percentile of the blocks colour deviation (selection equals sorting)', () => {
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (const [width, height] of [
    [2, 2],
    [37, 21],
    [256, 200],
  ] as const) {
    const data = new Uint8Array(width * height * 3);
    // Mostly flat colour with a few saturated edges, as photos with red text are.
    for (let i = 0; i < data.length; i++) data[i] = random() < 0.05 ? Math.floor(random() * 256) : 128;
    assert.equal(
      chromaDetail({ data, width, height }),
      chromaDetailBySorting(data, width, height),
      `${width}x${height}`,
    );
  }
});
