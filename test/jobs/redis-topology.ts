/**
 * A Redis topology of its own (master, replica, three Sentinels) for tests that kill its master,
 * started and stopped with scripts/services/redis.sh on a port offset of its own so that it never
 * touches the shared one.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { parseSentinels, type RedisTarget } from '../../src/jobs/index.js';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../scripts/services/redis.sh', import.meta.url));

export interface RedisTopology {
  /** The Sentinels and master name, as the queue takes them. */
  target: Extract<RedisTarget, { sentinels: unknown }>;
  /** The master's address as the Sentinels see it now. */
  master(): Promise<{ host: string; port: number }>;
  /** SIGKILLs the process behind the current master; returns its port. */
  killMaster(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts a topology on `SQUISH_SERVICES_PORT_OFFSET + extraOffset` (ports 6390/6391/26390-26392
 * plus that), waiting until the Sentinels see each other and the replica.
 */
export async function startRedisTopology(extraOffset: number): Promise<RedisTopology> {
  const dir = mkdtempSync(join(tmpdir(), 'squish-redis-topology-'));
  const offset = Number(process.env.SQUISH_SERVICES_PORT_OFFSET ?? 0) + extraOffset;
  const env = { ...process.env, SQUISH_SERVICES_PORT_OFFSET: String(offset) };
  const stop = async () => {
    await run('bash', [SCRIPT, 'stop', dir], { env });
    rmSync(dir, { recursive: true, force: true });
  };
  let stdout: string;
  try {
    ({ stdout } = await run('bash', [SCRIPT, 'start', dir], { env }));
  } catch (error) {
    await stop();
    throw error;
  }
  const values = new Map(
    stdout
      .trim()
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string]),
  );
  const sentinels = parseSentinels((values.get('SQUISH_TEST_REDIS_SENTINELS') ?? '').split(','));
  const masterName = values.get('SQUISH_TEST_REDIS_MASTER') ?? 'squish';
  const first = sentinels[0];
  if (!first) throw new Error(`redis.sh printed no Sentinels: ${stdout}`);

  async function master(): Promise<{ host: string; port: number }> {
    const sentinel = new Redis({ host: first!.host, port: first!.port, lazyConnect: true });
    try {
      await sentinel.connect();
      const [host, port] = (await sentinel.call(
        'SENTINEL',
        'get-master-addr-by-name',
        masterName,
      )) as string[];
      return { host: host ?? '', port: Number(port) };
    } finally {
      sentinel.disconnect();
    }
  }

  return {
    target: { sentinels, masterName },
    master,
    async killMaster() {
      const { port } = await master();
      const pid = Number(readFileSync(join(dir, `node-${port}`, 'redis.pid'), 'utf8'));
      process.kill(pid, 'SIGKILL');
      return port;
    },
    stop,
  };
}
