/** The cluster's Redis as the Sentinels see it: who is master, and killing it outright. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

function hostPort(entry: string): { host: string; port: string } {
  const at = entry.lastIndexOf(':');
  return { host: entry.slice(0, at), port: entry.slice(at + 1) };
}

/** host:port of the master the first answering Sentinel names. */
export async function currentMaster(sentinels: readonly string[], masterName: string): Promise<string> {
  for (const sentinel of sentinels) {
    const { host, port } = hostPort(sentinel);
    try {
      const { stdout } = await run('redis-cli', [
        '-h',
        host,
        '-p',
        port,
        'SENTINEL',
        'get-master-addr-by-name',
        masterName,
      ]);
      const [masterHost, masterPort] = stdout.trim().split('\n');
      if (masterHost && masterPort) return `${masterHost}:${masterPort}`;
    } catch {
      // next Sentinel
    }
  }
  throw new Error('no Sentinel named a master');
}

/** The pid of the Redis server at host:port (INFO server's process_id). */
export async function redisPid(address: string): Promise<number> {
  const { host, port } = hostPort(address);
  const { stdout } = await run('redis-cli', ['-h', host, '-p', port, 'INFO', 'server']);
  const match = /^process_id:(\d+)/m.exec(stdout);
  if (!match) throw new Error(`no process_id in INFO of ${address}`);
  return Number(match[1]);
}
