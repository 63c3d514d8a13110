import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import type { ReadinessCheck } from '../api/health-routes.js';
import type { JobService } from '../api/job-service.js';
import { buildServer } from '../api/server.js';
import { krakenResponder } from '../compat/kraken/index.js';
import type { ServeConfig } from '../config/index.js';
import { packageVersion } from '../config/index.js';
import { openDatabase, type SquishDatabase } from '../db/index.js';
// The pool's own module, not the engine's index: this process only hands work to the engine
// processes, and the index would load every codec (svgo, sharp, exifr, file-type: 14 MB of heap
// that every full garbage collection of the server then walks, several times a second under load).
import type { EngineLimits } from '../engine/limits.js';
import { EnginePool } from '../engine/pool/engine-pool.js';
import { type Janitor, startJanitor } from '../janitor/index.js';
import { type Consumer, openQueue, type QueueBackend } from '../jobs/index.js';
import { closeOutboundAgents, type OutboundPolicy } from '../net/index.js';
import { type BlobStore, openStore } from '../store/index.js';
import { redeliverWebhook, startWebhookDeliverer } from '../webhooks/index.js';
import { startWorker } from '../worker/index.js';
import { PlatformJobService } from './platform-job-service.js';

/** What tests and embedders may replace; everything else comes from the config. */
export interface AppOverrides {
  log?: Logger;
  /** Engine limits of the worker's pool. */
  engineLimits?: Partial<EngineLimits>;
  /** Interval of the janitor's runs (default: the janitor's own). */
  janitorIntervalMs?: number;
}

/** A running node. */
export interface App {
  readonly config: Readonly<ServeConfig>;
  /** Where the API listens (with the real port), or undefined without the api role. */
  readonly url: string | undefined;
  readonly db: SquishDatabase;
  readonly jobs: JobService;
  /**
   * Graceful shutdown: stops taking new jobs, lets requests in flight (wait requests included)
   * finish for up to the shutdown timeout, lets running jobs finish for up to the timeout (then
   * hands them back to the queue), and closes every backend.
   */
  close(): Promise<void>;
}

/** The outbound policy of image fetches and callbacks. */
export function outboundPolicy(config: Readonly<ServeConfig>): OutboundPolicy {
  return {
    allowPrivateNetworks: config.allowPrivateNetworks,
    timeoutMs: config.fetchTimeoutSeconds * 1000,
    maxBytes: config.maxUploadBytes,
    maxRedirects: 5,
    userAgent: `squish/${packageVersion()}`,
  };
}

/**
 * Lease of a running optimize job: a node that dies mid-job (SIGKILL, power loss) holds its jobs
 * this long before another node, or the same one restarted, runs them again. The engine works in
 * child processes, so the event loop that renews the lease (every third of it) stays free; 10 s
 * leaves room for a slow disk under SQLite's 5 s busy timeout while recovering 3x sooner than
 * the queue's 30 s default.
 */
const WORKER_LEASE_MS = 10_000;

/**
 * The composition root: opens the embedded backends from the config (a SQLite file and a local
 * folder under the data folder), starts the roles this process runs, and returns the node.
 */
export async function createApp(config: Readonly<ServeConfig>, overrides: AppOverrides = {}): Promise<App> {
  const log = overrides.log ?? pino({ level: config.logLevel }, pino.destination(2));
  const roles = new Set(config.roles);
  const policy = outboundPolicy(config);
  if (config.allowPrivateNetworks) {
    log.warn(
      'SQUISH_ALLOW_PRIVATE_NETWORKS is on: image URLs and callbacks may reach loopback and private addresses. Use it only for tests and closed networks.',
    );
  }

  mkdirSync(config.dataDir, { recursive: true });
  const db = await openDatabase(config.databaseUrl);
  const queue: QueueBackend = await openQueue(config, log);
  const store: BlobStore = openStore(config);
  const jobs = new PlatformJobService({
    db,
    queue,
    store,
    policy,
    publicUrl: config.publicUrl,
    maxUploadBytes: config.maxUploadBytes,
    resultTtlMs: config.resultTtlSeconds * 1000,
    waitTimeoutMs: config.waitTimeoutSeconds * 1000,
    log,
  });

  const consumers: { name: string; consumer: Consumer }[] = [];
  let pool: EnginePool | undefined;
  let janitor: Janitor | undefined;
  let server: FastifyInstance | undefined;
  const shutdownMs = config.shutdownTimeoutSeconds * 1000;

  /** Stops in order: HTTP (in-flight requests finish), consumers, janitor, then the backends. */
  async function stop(timeoutMs: number): Promise<void> {
    jobs.beginShutdown();
    if (server) {
      // Wait requests in flight get their results while the worker still runs; past the
      // timeout they are answered 503 (their jobs stay queued) so the server can close.
      const abortTimer = setTimeout(() => jobs.abortWaits(), timeoutMs);
      try {
        await server.close();
      } finally {
        clearTimeout(abortTimer);
      }
    }
    await Promise.all(
      consumers.map(async ({ name, consumer }) => {
        try {
          await consumer.close(timeoutMs);
        } catch (error) {
          log.error({ err: error, role: name }, 'closing a role failed');
        }
      }),
    );
    await janitor?.stop();
    await pool?.close();
    await closeOutboundAgents();
    await queue.close();
    await store.close();
    await db.close();
  }

  let url: string | undefined;
  try {
    if (roles.has('worker')) {
      // The engine's byte limit follows the service's: an input the API accepted is never
      // refused by the engine for its size.
      pool = new EnginePool({
        size: config.workerConcurrency,
        limits: { maxInputBytes: config.maxUploadBytes, ...overrides.engineLimits },
        // Started with the node, so that its first requests do not wait for the processes.
        prestart: true,
      });
      const worker = startWorker({
        db,
        queue,
        store,
        pool,
        policy,
        concurrency: config.workerConcurrency,
        log,
        leaseMs: WORKER_LEASE_MS,
      });
      consumers.push({ name: 'worker', consumer: worker });
    }
    if (roles.has('webhooks')) {
      const deliverer = startWebhookDeliverer({
        db,
        queue,
        policy,
        settings: config,
        // Renewed while an attempt runs, so a slow receiver does not lose it; a webhooks process
        // that dies hands its attempts back this soon, like the worker's jobs.
        leaseMs: WORKER_LEASE_MS,
        responders: [krakenResponder],
        downloadUrl: (token, fileName) => jobs.downloadUrl(token, fileName),
        log,
      });
      consumers.push({ name: 'webhooks', consumer: deliverer });
    }
    if (roles.has('janitor')) {
      janitor = startJanitor({ db, queue, store, log, intervalMs: overrides.janitorIntervalMs });
    }
    if (roles.has('api')) {
      server = await buildServer({
        redeliverWebhook: (deliveryId) => redeliverWebhook({ db, queue }, deliveryId),
        trustProxy: config.trustProxy,
        jobs,
        db,
        store,
        queue,
        log,
        waitTimeoutMs: config.waitTimeoutSeconds * 1000,
        uploadMemoryBytes: config.uploadMemoryBytes,
        isClosing: () => jobs.closing,
        // A node that runs jobs is not ready until its engine processes are: its first requests
        // would wait for them to start, and a node whose engine cannot start would take work
        // only to fail it.
        readinessChecks: engineReadiness(pool),
      });
      await server.listen({ port: config.port, host: config.host });
      url = listeningUrl(server, config.host);
      // `--port 0` picks a free port: download links built from the default public URL need it.
      if (new URL(config.publicUrl).port === '0') {
        jobs.setPublicUrl(publicUrlWithPort(config.publicUrl, server));
      }
    }
  } catch (error) {
    // A start that fails half-way (the port is taken, ...) closes what it opened, so that the
    // caller can report the error and exit instead of hanging on open handles.
    await stop(0).catch(() => undefined);
    throw error;
  }
  log.info({ url, roles: [...roles], publicUrl: jobs.publicUrl, dataDir: config.dataDir }, 'squish started');

  let closing: Promise<void> | undefined;
  return {
    config,
    url,
    db,
    jobs,
    close: () => {
      closing ??= stop(shutdownMs).then(() => log.info('squish stopped'));
      return closing;
    },
  };
}

function listeningUrl(server: FastifyInstance, host: string): string {
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

function publicUrlWithPort(publicUrl: string, server: FastifyInstance): string {
  const address = server.server.address();
  const url = new URL(publicUrl);
  url.port = String(typeof address === 'object' && address ? address.port : 0);
  return url.href.replace(/\/+$/, '');
}

/** The engine processes as a readiness check, for a node that runs jobs. */
function engineReadiness(pool: EnginePool | undefined): ReadinessCheck[] {
  return pool ? [{ name: 'engine', ping: () => pool.ping() }] : [];
}
