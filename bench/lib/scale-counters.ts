/**
 * What the scaling benchmark counts on the shared services, to say what each job costs them:
 * Redis commands (INFO commandstats) and Redis CPU (INFO cpu), PostgreSQL transactions and row
 * writes (pg_stat_database of the benchmark's own database), and bytes to and from the S3 store
 * (a TCP proxy in front of radosgw that counts what passes through it).
 */
import { createConnection, createServer, type Server } from 'node:net';
import type { Redis } from 'ioredis';
import type pg from 'pg';

/** Calls per Redis command name since the server started. */
export async function redisCommandCalls(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    calls.set(match[1]!, Number(match[2]));
  }
  return calls;
}

/** Redis server CPU seconds (user + system) since it started. */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const value = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return value('used_cpu_user') + value('used_cpu_sys');
}

/** Calls per command between two readings, without the benchmark's own INFO calls. */
export function commandDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [name, calls] of after) {
    if (name === 'info') continue;
    const added = calls - (before.get(name) ?? 0);
    if (added > 0) delta.set(name, added);
  }
  return delta;
}

export interface PostgresCounters {
  commits: number;
  inserted: number;
  updated: number;
  deleted: number;
}

/**
 * The database's commit and row-write counters. Backends report them when a transaction ends, at
 * most once a second, and at exit: read them after the nodes have stopped.
 */
export async function postgresCounters(client: pg.Client, database: string): Promise<PostgresCounters> {
  await client.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await client.query<{
    xact_commit: string;
    tup_inserted: string;
    tup_updated: string;
    tup_deleted: string;
  }>('SELECT xact_commit, tup_inserted, tup_updated, tup_deleted FROM pg_stat_database WHERE datname = $1', [
    database,
  ]);
  const row = rows[0];
  return {
    commits: Number(row?.xact_commit ?? 0),
    inserted: Number(row?.tup_inserted ?? 0),
    updated: Number(row?.tup_updated ?? 0),
    deleted: Number(row?.tup_deleted ?? 0),
  };
}

/** A TCP proxy that counts the bytes in each direction (HTTP headers included). */
export interface CountingProxy {
  port: number;
  /** Bytes from the clients to the target (S3 requests: PUT bodies and headers). */
  bytesToTarget: number;
  /** Bytes from the target to the clients (S3 answers: GET bodies and headers). */
  bytesFromTarget: number;
  close(): Promise<void>;
}

/**
 * Starts a proxy on a free loopback port that forwards every connection to `host:port`. S3
 * signatures stay valid through it: they cover the Host header the client sent, which the proxy
 * passes on unchanged.
 */
export async function startCountingProxy(host: string, port: number): Promise<CountingProxy> {
  const sockets = new Set<import('node:net').Socket>();
  const proxy: CountingProxy = {
    port: 0,
    bytesToTarget: 0,
    bytesFromTarget: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((client) => {
    const target = createConnection({ host, port });
    sockets.add(client).add(target);
    client.on('data', (chunk: Buffer) => {
      proxy.bytesToTarget += chunk.length;
    });
    target.on('data', (chunk: Buffer) => {
      proxy.bytesFromTarget += chunk.length;
    });
    client.pipe(target).pipe(client);
    const end = () => {
      client.destroy();
      target.destroy();
      sockets.delete(client);
      sockets.delete(target);
    };
    client.on('error', end).on('close', end);
    target.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  proxy.port = typeof address === 'object' && address ? address.port : 0;
  return proxy;
}
