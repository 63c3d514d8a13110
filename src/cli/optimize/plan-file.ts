/**
 * Reads the `--plan plan.json` of `squish optimize`: a whole native plan (the JSON form of
 * OptimizePlan, image sets in "outputs"), to be merged with the flags and validated by parsePlan.
 */
import { readFile } from 'node:fs/promises';
import type { PlanInput } from '../../plan/index.js';
import { UsageError } from '../usage-error.js';

/**
 * The fields of a native plan. parsePlan ignores other keys; the CLI refuses them instead, so that
 * a misspelt field ("resise") is reported rather than silently doing nothing.
 */
const PLAN_FIELDS = [
  'lossy',
  'quality',
  'target',
  'chromaSubsampling',
  'keep',
  'resize',
  'format',
  'background',
  'autoOrient',
  'outputs',
] as const;

/**
 * The plan in the JSON file at `path`, not yet validated.
 * @throws UsageError when the file cannot be read, is not JSON, is not an object or has an unknown field.
 */
export async function readPlanFile(path: string): Promise<PlanInput> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--plan: cannot read ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--plan: ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(
      `--plan: ${path} must hold a JSON object (a plan), but holds ${JSON.stringify(parsed)}`,
    );
  }
  const unknown = Object.keys(parsed).filter((key) => !(PLAN_FIELDS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw new UsageError(
      `--plan: ${path} has unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => `"${key}"`).join(', ')} (expected ${PLAN_FIELDS.join(', ')})`,
    );
  }
  return parsed as PlanInput;
}
