/** The engine's public surface: everything above the engine imports from here. */
export { detectFormat } from './detect.js';
export { DEFAULT_LIMITS, type EngineLimits } from './limits.js';
export { optimize } from './optimize.js';
export { EnginePool, type EnginePoolOptions, type PooledResult } from './pool/engine-pool.js';
export * from './types.js';
