/** Resource limits for one engine job. Checked before decoding wherever the headers allow. */
export interface EngineLimits {
  /** Largest accepted input, in bytes. */
  maxInputBytes: number;
  /** Largest pixel count, summed over all frames. */
  maxPixels: number;
  /** Most frames in an animation. */
  maxFrames: number;
  /** Largest output width or height, in pixels. */
  maxOutputDimension: number;
  /** Wall-clock time for one job, in milliseconds. */
  timeoutMs: number;
  /** Resident memory one job's process may reach, in bytes. */
  maxMemoryBytes: number;
}

export const DEFAULT_LIMITS: Readonly<EngineLimits> = Object.freeze({
  maxInputBytes: 32 * 1024 * 1024,
  maxPixels: 100_000_000,
  maxFrames: 1000,
  maxOutputDimension: 16_383,
  timeoutMs: 60_000,
  maxMemoryBytes: 1536 * 1024 * 1024,
});
