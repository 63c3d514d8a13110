/**
 * The palettes of one image by quantizer quality, for the lossy search: each quality is quantized
 * once, and qualities whose palette is the finest one's (see sameAsFinest) share it instead of
 * running pngquant again for the same bytes. On the corpus that is every quality above 88 for
 * im-wizard, whose search quantized at 100, 95 and 90 to get one palette three times.
 */
import { checkDeadline } from '../../deadline.js';
import { type Quantized, sameAsFinest } from './quantize.js';

/** The finest palette's quality, which the search quantizes first. */
export const FINEST_QUALITY = 100;

export class PaletteEncodes {
  private readonly encodes = new Map<number, Promise<Quantized>>();
  private finest: Quantized | undefined;

  constructor(
    private readonly quantizeAt: (quality: number) => Promise<Quantized>,
    private readonly deadline: number,
  ) {}

  /**
   * The quality whose palette quantizing at `quality` gives: {@link FINEST_QUALITY} when it is the
   * finest one's, once that is known; else `quality`. Results are memoized under this key.
   */
  canonical(quality: number): number {
    return this.finest && sameAsFinest(quality, this.finest) ? FINEST_QUALITY : quality;
  }

  /**
   * The lowest quality known to give the finest palette: one above the quality the finest palette
   * reached, or {@link FINEST_QUALITY} while that is unknown.
   */
  get finestFrom(): number {
    const reached = this.finest?.reached;
    return reached === undefined ? FINEST_QUALITY : Math.min(FINEST_QUALITY, reached + 1);
  }

  /** The palette PNG at `quality`, quantized on first use. */
  at(quality: number): Promise<Uint8Array> {
    const key = this.canonical(quality);
    let encoded = this.encodes.get(key);
    if (!encoded) {
      checkDeadline(this.deadline);
      encoded = this.quantizeAt(key);
      this.encodes.set(key, encoded);
      // Registered before the caller's reaction, so it has run by the time the caller resumes.
      if (key === FINEST_QUALITY) encoded.then((finest) => (this.finest = finest)).catch(() => {});
    }
    return encoded.then(({ png }) => png);
  }
}
