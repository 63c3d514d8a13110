import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { krakenRoutes } from '../compat/kraken/index.js';
import type { SquishDatabase } from '../db/database.js';
import type { WebhookDelivery } from '../db/records.js';
import type { QueueBackend } from '../jobs/queue-backend.js';
import type { BlobStore } from '../store/blob-store.js';
import { registerDownloadRoute } from './download-route.js';
import { frameworkErrorReply, installErrorHandlers } from './error-reply.js';
import { type ReadinessCheck, registerHealthRoutes } from './health-routes.js';
import type { JobService } from './job-service.js';
import { originFormTarget } from './origin-form.js';
import { RequestLogController } from './request-log.js';
import { UploadMemory } from './upload-memory.js';
import { declaresOversizedUpload } from './upload-size.js';
import { registerWebhookRoutes } from './webhook-routes.js';

export interface ServerDeps {
  jobs: JobService;
  db: SquishDatabase;
  store: BlobStore;
  queue: QueueBackend;
  log: Logger;
  /** Longest a `wait: true` request is held (the socket must not time out before). */
  waitTimeoutMs: number;
  /** Most upload bytes held in memory at once (api/upload-memory.ts); no bound when absent. */
  uploadMemoryBytes?: number;
  /** True once shutdown has begun: /readyz answers 503 so load balancers drain the node. */
  isClosing?: () => boolean;
  /**
   * Backends of this node's other roles that /readyz also asks, after the database, the queue and
   * the store: the worker's engine processes, when the node runs jobs.
   */
  readinessChecks?: readonly ReadinessCheck[];
  /** Clock of the download route (tests). */
  now?: () => Date;
  /** Load balancers whose X-Forwarded-For is believed (SQUISH_TRUST_PROXY); none by default. */
  trustProxy?: readonly string[];
  /**
   * Re-sends a webhook delivery (POST /squish/v1/webhooks/:id/redeliver). The webhooks role's own
   * operation, handed down by the composition root so that the API, the CLI and the role cannot
   * disagree on how it is done (the api layer does not import a sibling role).
   */
  redeliverWebhook: (deliveryId: string) => Promise<WebhookDelivery | undefined>;
}

/** Headers must arrive within this time: a slow-headers client (slowloris) holds a socket no longer. */
const HEADERS_TIMEOUT_MS = 20_000;
/**
 * The whole request (headers and body) must arrive within this time: a 32 MiB upload needs about
 * 2.2 Mbit/s, and a client trickling a body cannot hold a socket forever.
 */
const REQUEST_TIMEOUT_MS = 120_000;
/**
 * Idle keep-alive connections close after this time: longer than the 60 s idle timeout of common
 * load balancers (nginx upstream keepalive, AWS ALB), so the balancer closes first and never
 * sends a request on a connection we are closing.
 */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;
/**
 * Bodies the generic parsers read into memory (JSON and form options): a Kraken options object is
 * a few kilobytes. Uploads are multipart, streamed by the compat plugin under its own limit.
 */
const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The HTTP API of one node: the compat routes, downloads, health probes, Squish's own webhook
 * delivery routes (/squish/v1/webhooks), and the generic error handling. Listening and closing are the caller's (see src/app).
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const isClosing = deps.isClosing ?? (() => false);
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps Fastify's default generics for the routes.
    loggerInstance: deps.log as FastifyBaseLogger,
    rewriteUrl: (request) => originFormTarget(request.url ?? '/'),
    bodyLimit: BODY_LIMIT_BYTES,
    // Only the named balancers may say who the client is; anyone else could forge the header.
    trustProxy: deps.trustProxy?.length ? [...deps.trustProxy] : false,
    // Download paths carry the result's file name, up to 200 characters (percent-encoded when not
    // ASCII); Fastify's default of 100 would answer 414 for the longer ones.
    routerOptions: { maxParamLength: 1024 },
    // What the router refuses before any route: answered in the platform's JSON shape.
    frameworkErrors: (error, _request, reply) => {
      const { status, body } = frameworkErrorReply(error);
      // Fastify types this reply for an empty route schema, which takes no status or body.
      return (reply as FastifyReply).code(status).type('application/json; charset=utf-8').send(body);
    },
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // A `wait` request is silent while its job runs: the socket's inactivity limit must outlast it.
    connectionTimeout: deps.waitTimeoutMs + 30_000,
    // On close, idle keep-alive sockets go at once; requests in flight finish (graceful shutdown).
    forceCloseConnections: 'idle',
    // During shutdown the job service refuses new jobs with UNAVAILABLE, which the compat routes
    // answer as 503 in their own JSON shape (Kraken clients read only `success: false`); Fastify's
    // built-in 503 is not in that shape, and downloads may still be served meanwhile.
    return503OnClosing: false,
    logController: new RequestLogController(),
  });
  app.server.headersTimeout = HEADERS_TIMEOUT_MS;
  // Node answers `Expect: 100-continue` by itself unless this event has a listener. A request whose
  // declared body is larger than any upload gets no 100 Continue: it goes on to its route, which
  // answers 413 from the headers, and the client never sends the body (RFC 9110, 10.1.1).
  app.server.on('checkContinue', (request, response) => {
    if (!declaresOversizedUpload(request.headers, deps.jobs.maxUploadBytes)) response.writeContinue();
    app.server.emit('request', request, response);
  });
  // Once shutdown has begun, every answer closes its connection: a keep-alive socket whose request
  // was in flight at close() would otherwise hold the server open until the keep-alive timeout.
  app.addHook('onSend', async (_request, reply) => {
    if (isClosing()) reply.header('Connection', 'close');
  });

  installErrorHandlers(app);
  registerHealthRoutes(
    app,
    [
      { name: 'database', ping: () => deps.db.ping() },
      { name: 'queue', ping: () => deps.queue.ping() },
      { name: 'store', ping: () => deps.store.ping() },
      ...(deps.readinessChecks ?? []),
    ],
    isClosing,
  );
  registerDownloadRoute(app, { db: deps.db, store: deps.store, now: deps.now });
  registerWebhookRoutes(app, {
    jobs: deps.jobs,
    db: deps.db,
    redeliver: deps.redeliverWebhook,
  });
  await app.register(krakenRoutes, {
    jobs: deps.jobs,
    uploadMemory: new UploadMemory(deps.uploadMemoryBytes ?? Number.POSITIVE_INFINITY),
  });
  return app;
}
