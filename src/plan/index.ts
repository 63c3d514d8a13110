export {
  type AppearanceMetadata,
  type ChromaSubsampling,
  DEFAULT_LOSSY_TARGET,
  DEFAULT_PLAN,
  type OptimizePlan,
  parsePlan,
} from './optimize-plan.js';
