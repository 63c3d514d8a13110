/**
 * Picks the part of an image the perceptual metric looks at. SSIMULACRA2 costs ~1.5 µs per pixel
 * here, far more than an encode, so large images are judged on a mosaic of tiles chosen across the
 * range of detail (flat sky to fine texture), which keeps the score representative of the whole.
 */
import type { RgbImage } from '../metric/ssimulacra2.js';

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface TileOptions {
  /** Side of a square tile in pixels (default 128). */
  tile?: number;
  /** How many tiles (default 8). */
  count?: number;
  /** Tile origins are multiples of this, so codec block grids line up (default 16, a JPEG MCU). */
  align?: number;
}

/** Whether two rects share at least one pixel. */
export function rectsOverlap(p: Rect, q: Rect): boolean {
  return (
    p.left < q.left + q.width &&
    q.left < p.left + p.width &&
    p.top < q.top + q.height &&
    q.top < p.top + p.height
  );
}

/** Tiles picked by {@link selectTiles}, with what was measured to pick them. */
export interface TileSelection {
  /** The picked tiles (one rect covering the image when it is used whole). */
  rects: Rect[];
  /** Detail of every grid cell, ascending (see detailOf); empty when the image is used whole. */
  cellDetails: number[];
}

/**
 * Representative tiles of `rgb`: the grid's cells ranked by detail and taken at evenly spaced
 * ranks (so both the flattest and the busiest are in). Images not much larger than the mosaic
 * itself come back whole, as one rect.
 */
export function pickTiles(rgb: RgbImage, options: TileOptions = {}): Rect[] {
  return selectTiles(rgb, options).rects;
}

/**
 * {@link pickTiles}, plus the detail of every grid cell, for callers that also want to know how
 * the image's detail is spread (a large flat area, for instance).
 */
export function selectTiles(rgb: RgbImage, options: TileOptions = {}): TileSelection {
  const tile = options.tile ?? 128;
  const count = Math.max(1, options.count ?? 8);
  const align = Math.max(1, options.align ?? 16);
  const whole = { rects: [{ left: 0, top: 0, width: rgb.width, height: rgb.height }], cellDetails: [] };
  const cols = Math.floor(rgb.width / tile);
  const rows = Math.floor(rgb.height / tile);
  if (cols * rows <= count || rgb.width * rgb.height <= 2 * tile * tile * count) return whole;

  const originX = Math.floor((rgb.width - cols * tile) / 2 / align) * align;
  const originY = Math.floor((rgb.height - rows * tile) / 2 / align) * align;
  const cells: { rect: Rect; detail: number }[] = [];
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      const rect = { left: originX + col * tile, top: originY + row * tile, width: tile, height: tile };
      cells.push({ rect, detail: detailOf(rgb, rect) });
    }
  }
  cells.sort((a, b) => a.detail - b.detail);
  const picked: Rect[] = [];
  for (let i = 0; i < count; i++) {
    picked.push(cells[Math.round((i * (cells.length - 1)) / Math.max(1, count - 1))]!.rect);
  }
  return { rects: picked, cellDetails: cells.map((cell) => cell.detail) };
}

/**
 * Mean absolute horizontal+vertical luma gradient over a rect, sampled on every other pixel; luma
 * as 2R + 5G + B (8 times the usual weights, in integers), so 8 units are one level of luma.
 */
function detailOf(rgb: RgbImage, rect: Rect): number {
  const { data, width } = rgb;
  let sum = 0;
  let n = 0;
  for (let y = rect.top; y < rect.top + rect.height - 1; y += 2) {
    for (let x = rect.left; x < rect.left + rect.width - 1; x += 2) {
      const i = (y * width + x) * 3;
      const here = luma(data, i);
      sum += Math.abs(here - luma(data, i + 3)) + Math.abs(here - luma(data, i + width * 3));
      n++;
    }
  }
  return n === 0 ? 0 : sum / n;
}

function luma(data: Uint8Array, i: number): number {
  return data[i]! * 2 + data[i + 1]! * 5 + data[i + 2]!;
}

/**
 * Packs equally sized tiles into one image, row-major, in a layout as square as their count
 * allows (8 tiles: 4x2). A single rect covering the image returns the image itself.
 */
export function mosaic(rgb: RgbImage, tiles: Rect[]): RgbImage {
  const first = tiles[0];
  if (!first) throw new RangeError('mosaic needs at least one tile');
  if (tiles.length === 1 && first.width === rgb.width && first.height === rgb.height) return rgb;
  let rows = Math.floor(Math.sqrt(tiles.length));
  while (tiles.length % rows !== 0) rows--;
  const cols = tiles.length / rows;
  const { width: tw, height: th } = first;
  const out = new Uint8Array(cols * tw * rows * th * 3);
  const outStride = cols * tw * 3;
  tiles.forEach((rect, index) => {
    if (rect.width !== tw || rect.height !== th) throw new RangeError('mosaic tiles must have one size');
    const ox = (index % cols) * tw;
    const oy = Math.floor(index / cols) * th;
    for (let y = 0; y < th; y++) {
      const src = ((rect.top + y) * rgb.width + rect.left) * 3;
      out.set(rgb.data.subarray(src, src + tw * 3), (oy + y) * outStride + ox * 3);
    }
  });
  return { data: out, width: cols * tw, height: rows * th };
}
