import type { ChromaSubsampling } from '../../../plan/index.js';
import { checkDeadline } from '../../deadline.js';
import { MIN_METRIC_SIDE, type RgbImage } from '../../metric/ssimulacra2.js';
import { encodeJpeg, FLAT_QUANTISATION_TABLE, type JpegChroma, QUANTISATION_TABLE } from './encode.js';
import { type MetricSample, metricSample } from './sample-score.js';
import { searchSample, tileMargin } from './search.js';
import { chooseChroma } from './subsampling.js';

/** Quality for images too small for the metric (same as the byte path). */
const SMALL_IMAGE_QUALITY = 90;

export interface JpegPixelsOptions {
  /** SSIMULACRA2 to reach on the whole image. */
  target: number;
  /** Fixed mozjpeg quality instead of the search. */
  quality?: number;
  /** Asked-for subsampling; chosen per image when absent. */
  chromaSubsampling?: ChromaSubsampling;
  deadline: number;
  /** `metricSample(rgb)`, when the caller already took it (it is not taken twice). */
  sample?: MetricSample;
}

export interface JpegPixelsResult {
  data: Uint8Array;
  quality: number;
  chroma: JpegChroma;
  /** mozjpeg quantisation table used. */
  table: number;
  /** Estimated whole-image score (tile score minus the margin); undefined for fixed qualities. */
  score?: number;
  notes: string[];
}

/**
 * sharp's mozjpeg offers 4:2:0 and 4:4:4 only (libvips has no 4:2:2 mode): 4:2:2 is encoded as
 * 4:4:4, never less chroma than asked, and the notes say so.
 */
export function encoderChromaFor(requested: ChromaSubsampling): JpegChroma {
  return requested === '4:2:0' ? '4:2:0' : '4:4:4';
}

/**
 * The lowest mozjpeg quality whose output reaches `options.target` (scored on a mosaic of
 * representative tiles with the byte path's calibrated margin), or the fixed quality. No metadata
 * is written.
 * @throws SquishError PROCESSING_TIMEOUT past the deadline.
 */
export async function jpegLossyFromPixels(
  rgb: RgbImage,
  options: JpegPixelsOptions,
): Promise<JpegPixelsResult> {
  const notes: string[] = [];
  const sample = options.sample ?? metricSample(rgb);
  const measurable = Math.min(sample.reference.width, sample.reference.height) >= MIN_METRIC_SIDE;
  const margin = tileMargin(sample);
  const searchTarget = Math.min(100, options.target + margin);

  let chroma: JpegChroma;
  if (options.chromaSubsampling) {
    chroma = encoderChromaFor(options.chromaSubsampling);
    if (chroma !== options.chromaSubsampling) {
      notes.push(`${options.chromaSubsampling} is encoded as ${chroma}: the mozjpeg encoder offers no 4:2:2`);
    }
  } else {
    chroma = measurable ? await chooseChroma(sample, searchTarget) : '4:4:4';
  }
  checkDeadline(options.deadline);

  let quality: number;
  let score: number | undefined;
  let table = QUANTISATION_TABLE;
  if (options.quality !== undefined) {
    quality = options.quality;
  } else if (!measurable) {
    quality = SMALL_IMAGE_QUALITY;
    notes.push(`image too small to measure (under ${MIN_METRIC_SIDE} px): fixed quality ${quality}`);
  } else {
    const found = await searchSample(sample, chroma, searchTarget, options.deadline);
    quality = found.quality;
    table = found.table;
    score = Math.min(100, found.score - margin);
    if (table === FLAT_QUANTISATION_TABLE)
      notes.push(`quantisation table ${table} (flat): smaller for this image's sharp detail`);
    else if (table !== QUANTISATION_TABLE)
      notes.push(`quantisation table ${table}: smaller than table ${QUANTISATION_TABLE} for this photo`);
    if (!found.reached) notes.push(`target ${options.target} not reached at quality ${quality}`);
  }
  checkDeadline(options.deadline);
  const data = await encodeJpeg(rgb, { quality, chromaSubsampling: chroma, quantisationTable: table });
  return { data, quality, chroma, table, ...(score === undefined ? {} : { score }), notes };
}
