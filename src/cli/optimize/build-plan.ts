/**
 * Builds the validated plan of `squish optimize` from its flags and its optional --plan file.
 * Each flag is validated on its own first, so that a refusal names the flag the user typed as well
 * as the plan field (`--resize: Expected ... for \`resize.width\` ...`); flags given together with
 * --plan override the file's fields.
 */
import { isSquishError } from '../../errors/index.js';
import { type OptimizePlan, type PlanInput, parsePlan } from '../../plan/index.js';
import { UsageError } from '../usage-error.js';
import { parseConvertFlag, parsePreserveMetaFlag, parseResizeFlag } from './flag-values.js';
import { checkOutputIds } from './output-names.js';

/** The plan-related flags as commander gives them; undefined means "not given". */
export interface PlanFlags {
  lossy?: boolean;
  quality?: number;
  target?: number;
  /** Only when --no-keep-icc / --no-keep-orientation were given (false), else undefined. */
  keepIcc?: boolean;
  keepOrientation?: boolean;
  resize?: string;
  convert?: string;
  background?: string;
  preserveMeta?: string;
  autoOrient?: boolean;
  sampling?: string;
}

/** parsePlan, with an INVALID_OPTION turned into a usage error that starts with `source`. */
function validate(input: PlanInput, source: string): OptimizePlan {
  try {
    return parsePlan(input);
  } catch (error) {
    if (isSquishError(error)) throw new UsageError(`${source}: ${error.message}`);
    throw error;
  }
}

/** The plan fields set by the flags, each checked on its own. */
function fieldsFromFlags(flags: PlanFlags): PlanInput {
  const fields: PlanInput = {};
  if (flags.lossy) fields.lossy = true;
  if (flags.quality !== undefined) fields.quality = flags.quality;
  if (flags.target !== undefined) fields.target = flags.target;
  if (flags.resize !== undefined) {
    fields.resize = parseResizeFlag(flags.resize) as unknown as PlanInput['resize'];
    validate({ resize: fields.resize }, '--resize');
  }
  if (flags.convert !== undefined) {
    fields.format = parseConvertFlag(flags.convert);
    validate({ format: fields.format }, '--convert');
  }
  if (flags.background !== undefined) {
    fields.background = flags.background;
    validate({ background: fields.background }, '--background');
  }
  if (flags.sampling !== undefined) {
    fields.chromaSubsampling = flags.sampling as OptimizePlan['chromaSubsampling'];
    validate({ chromaSubsampling: fields.chromaSubsampling }, '--sampling');
  }
  if (flags.autoOrient) fields.autoOrient = true;
  return fields;
}

/**
 * The plan for these flags over the --plan file's plan (when given; `planPath` names it in messages).
 * `--preserve-meta` replaces the file's `keep` with exactly the named groups; `--no-keep-icc` and
 * `--no-keep-orientation` then drop those two.
 * @throws UsageError naming the flag (or the file) and the plan field for every invalid value.
 */
export function buildPlan(flags: PlanFlags, file?: { path: string; plan: PlanInput }): OptimizePlan {
  if (file) {
    const checked = validate(file.plan, `--plan ${file.path}`);
    checkOutputIds(checked);
  }
  const base: PlanInput = file?.plan ?? {};
  const fields = fieldsFromFlags(flags);
  const keep = {
    ...(flags.preserveMeta !== undefined ? parsePreserveMetaFlag(flags.preserveMeta) : base.keep),
  };
  if (flags.keepIcc === false) keep.icc = false;
  if (flags.keepOrientation === false) keep.orientation = false;

  const plan = validate({ ...base, ...fields, keep }, 'options');
  const anyLossy = plan.lossy || (plan.outputs ?? []).some((output) => output.lossy);
  if (!anyLossy && (flags.quality !== undefined || flags.target !== undefined)) {
    throw new UsageError('--quality and --target apply to lossy mode only: add --lossy');
  }
  return plan;
}
