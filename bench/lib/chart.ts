/**
 * docs/bench/engine.svg: saved % per category, Squish lossless and lossy against each reference, as
 * horizontal bars. Hand-written: a few rects and texts do not justify a charting dependency.
 */
import { FIXED_ENCODE } from './references.js';
import type { SummaryRow } from './types.js';

const WIDTH = 880;
const LABEL_WIDTH = 300;
const BAR_AREA = 380;
const ROW = 18;
const GAP = 14;
const COLOURS = {
  squishLossless: '#1f4e9c',
  squishLossy: '#5b9bd5',
  referenceLossless: '#7f7f7f',
  referenceLossy: '#bfbfbf',
};

export function renderChart(summaries: readonly SummaryRow[], title: string): string {
  const shown = summaries.filter(
    (row) => row.listed && (row.squish || row.sweep === undefined || row.tool === FIXED_ENCODE[row.category]),
  );
  const categories = [...new Set(shown.map((row) => row.category))];
  const parts: string[] = [];
  let y = 44;
  for (const category of categories) {
    parts.push(`<text x="8" y="${y + 12}" font-weight="bold">${escapeXml(category)}</text>`);
    y += ROW;
    for (const row of shown.filter((r) => r.category === category)) {
      const value = Number.isFinite(row.savedPct) ? Math.max(0, row.savedPct) : 0;
      const width = (value / 100) * BAR_AREA;
      parts.push(
        `<text x="${LABEL_WIDTH - 6}" y="${y + 12}" text-anchor="end"${row.squish ? ' font-weight="bold"' : ''}>${escapeXml(row.label)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y + 2}" width="${width.toFixed(1)}" height="${ROW - 4}" fill="${colour(row)}"/>`,
        `<text x="${(LABEL_WIDTH + width + 4).toFixed(1)}" y="${y + 12}">${value.toFixed(1)} %${scoreNote(row)}</text>`,
      );
      y += ROW;
    }
    y += GAP;
  }
  const legend = [
    ['Squish lossless', COLOURS.squishLossless],
    ['Squish lossy', COLOURS.squishLossy],
    ['reference lossless', COLOURS.referenceLossless],
    ['reference lossy', COLOURS.referenceLossy],
  ]
    .map(
      ([name, fill], i) =>
        `<rect x="${8 + i * 170}" y="${y}" width="12" height="12" fill="${fill}"/><text x="${24 + i * 170}" y="${y + 10}">${name}</text>`,
    )
    .join('');
  const height = y + 24;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="8" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<line x1="${LABEL_WIDTH}" y1="30" x2="${LABEL_WIDTH}" y2="${y - GAP}" stroke="#333"/>`,
    ...parts,
    legend,
    '</svg>',
    '',
  ].join('\n');
}

/**
 * Lossy bars carry their median and worst score: a saving means little without the quality it
 * cost, and a fixed quality's median hides the files it damaged.
 */
function scoreNote(row: SummaryRow): string {
  if (!row.lossy || row.scoreMedian === undefined) return '';
  const worst = row.scoreMin === undefined ? '' : `, worst ${row.scoreMin.toFixed(1)}`;
  return ` (SSIMULACRA2 median ${row.scoreMedian.toFixed(1)}${worst})`;
}

function colour(row: SummaryRow): string {
  if (row.squish) return row.lossy ? COLOURS.squishLossy : COLOURS.squishLossless;
  return row.lossy ? COLOURS.referenceLossy : COLOURS.referenceLossless;
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
