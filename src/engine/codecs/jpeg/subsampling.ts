/**
 * Chooses chroma subsampling per image.
 */
import type { RgbImage } from '../../metric/ssimulacra2.js';
import type { JpegChroma } from './encode.js';
import { scoreSample } from './sample-score.js';

/** TODO calibrate */
export async function chooseChroma(sample: RgbImage): Promise<JpegChroma> {
  const ceiling = await scoreSample(sample, { quality: 100, chromaSubsampling: '4:2:0' });
  return ceiling.score < 90 ? '4:4:4' : '4:2:0';
}
