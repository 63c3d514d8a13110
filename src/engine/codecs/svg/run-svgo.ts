/**
 * Runs svgo with Squish's error mapping: XML that svgo's parser rejects is INVALID_SVG, an error
 * thrown by one of our plugins passes through, anything else is CODEC_FAILED.
 */
import { type Config, optimize } from 'svgo';
import { isSquishError, SquishError } from '../../../errors/index.js';

/** Thrown by a plugin of ours to stop an svgo run on purpose; {@link runSvgo} lets it through. */
export class SvgoRunStopped extends Error {}

/**
 * svgo's `optimize` with errors mapped to SquishError.
 * @throws SquishError INVALID_SVG (not well-formed, unbound namespace prefix, nesting too deep).
 */
export function runSvgo(text: string, config: Config): string {
  try {
    return optimize(text, config).data;
  } catch (error) {
    if (isSquishError(error) || error instanceof SvgoRunStopped) throw error;
    if (error instanceof Error && error.name === 'SvgoParserError') {
      const reason = (error as Error & { reason?: string }).reason ?? 'parse error';
      throw new SquishError('INVALID_SVG', `The SVG document is not well-formed XML: ${reason}.`, {
        cause: error,
      });
    }
    if (error instanceof RangeError) {
      // Recursion in the parser or a plugin: only a pathologically deep tree gets here.
      throw new SquishError('INVALID_SVG', 'The SVG document is nested too deeply.', { cause: error });
    }
    throw new SquishError('CODEC_FAILED', 'svgo failed on the SVG document.', { cause: error });
  }
}
