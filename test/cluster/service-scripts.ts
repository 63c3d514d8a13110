/**
 * The cluster test's own Redis, PostgreSQL and Ceph radosgw, started through the project's
 * service scripts (scripts/services/<name>.sh) on the cluster's port offset, so that they run
 * beside the instances scripts/with-services.sh started for the other tests (offset 0).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
/**
 * The service scripts; SQUISH_CLUSTER_SERVICE_SCRIPTS points elsewhere while developing (e.g. at
 * committed copies while a script is being edited: bash reads a script as it runs it).
 */
const SCRIPTS =
  process.env.SQUISH_CLUSTER_SERVICE_SCRIPTS ??
  fileURLToPath(new URL('../../scripts/services/', import.meta.url));

export type ClusterService = 'redis' | 'postgres' | 'ceph';

/** True when the service's script exists in this checkout. */
export function hasServiceScript(name: ClusterService): boolean {
  return existsSync(path.join(SCRIPTS, `${name}.sh`));
}

/** The KEY=VALUE lines a script printed. */
function parseEnvLines(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    // Values may be quoted for the shell (`source`): the quotes are not part of them.
    if (match) values[match[1]!] = match[2]!.replace(/^'(.*)'$|^"(.*)"$/, '$1$2');
  }
  return values;
}

/**
 * Starts a service under `dir` on `offset` and resolves with the variables it printed.
 * @throws with the script's stderr when it fails
 */
export async function startService(
  name: ClusterService,
  dir: string,
  offset: number,
): Promise<Record<string, string>> {
  mkdirSync(dir, { recursive: true });
  try {
    const { stdout } = await run('bash', [path.join(SCRIPTS, `${name}.sh`), 'start', dir], {
      env: { ...process.env, SQUISH_SERVICES_PORT_OFFSET: String(offset) },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 180_000,
    });
    return parseEnvLines(stdout);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${name}.sh start failed: ${(error as Error).message}\n${stderr.slice(-3000)}`);
  }
}

/** Stops a service; never throws (a stop must not hide the run's own outcome). */
export async function stopService(name: ClusterService, dir: string, offset: number): Promise<void> {
  try {
    await run('bash', [path.join(SCRIPTS, `${name}.sh`), 'stop', dir], {
      env: { ...process.env, SQUISH_SERVICES_PORT_OFFSET: String(offset) },
      timeout: 120_000,
    });
  } catch (error) {
    process.stderr.write(`cluster: ${name}.sh stop failed: ${(error as Error).message}\n`);
  }
}
