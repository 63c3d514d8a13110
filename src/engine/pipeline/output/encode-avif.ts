/**
 * AVIF outputs from pipeline pixels (still images: libvips writes no AVIF sequences, so the
 * pipeline kept only the first frame). Lossless: AV1 lossless (identity matrix, 4:4:4).
 */
import { avifEffortFor, encodeAvif } from '../../codecs/avif/index.js';
import { AVIF_SEARCH } from '../../codecs/avif/lossy.js';
import { lossyCandidate } from '../../codecs/sharp-common/lossy-search.js';
import { encoding } from '../../codecs/sharp-common/sharp-errors.js';
import type { Candidate } from '../../types.js';
import { framesToSharp } from '../to-sharp.js';
import type { TransformedImage } from '../transform.js';
import type { OutputSettings } from './settings.js';
import { searchFromPixels } from './sharp-search.js';

export async function encodeAvifOutput(
  image: TransformedImage,
  settings: OutputSettings,
  deadline: number,
): Promise<Candidate> {
  const effort = avifEffortFor(image.width * image.height);
  if (!settings.lossy) {
    const data = await encoding('AVIF lossless encode', async () => {
      const out = await framesToSharp(image).avif({ lossless: true, effort }).toBuffer();
      return new Uint8Array(out.buffer, out.byteOffset, out.length);
    });
    return { data, method: `avif lossless effort ${effort}`, lossless: true };
  }
  const chromaSubsampling = settings.chromaSubsampling === '4:2:0' ? '4:2:0' : '4:4:4';
  const result = await searchFromPixels(image, settings, deadline, {
    encode: (pipeline, quality) => encodeAvif(pipeline, { quality, effort, chromaSubsampling }),
    ...AVIF_SEARCH,
  });
  return lossyCandidate(result, `avif q${result.quality} effort ${effort} ${chromaSubsampling}`);
}
