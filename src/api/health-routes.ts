import type { FastifyInstance } from 'fastify';

/** A backend /readyz checks: its name and a ping that throws when it cannot be reached. */
export interface ReadinessCheck {
  name: string;
  ping(): Promise<void>;
}

/** A load balancer gives up on a probe after a few seconds; a hung backend must not hang it too. */
const PING_TIMEOUT_MS = 2000;

async function pingWithin(check: ReadinessCheck, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([check.ping(), timeout]);
    return 'ok';
  } catch (error) {
    return `error: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * GET /healthz: the process answers (liveness). GET /readyz: every backend answers and the node
 * is not shutting down (readiness: a load balancer stops sending work before SIGTERM completes).
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  checks: readonly ReadinessCheck[],
  isClosing: () => boolean,
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const results = await Promise.all(checks.map((check) => pingWithin(check, PING_TIMEOUT_MS)));
    const report: Record<string, string> = {};
    checks.forEach((check, index) => {
      report[check.name] = results[index]!;
    });
    const failed = checks.filter((_, index) => results[index] !== 'ok').map((check) => check.name);
    if (isClosing()) failed.push('shutting down');
    const ready = failed.length === 0;
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'unavailable', checks: report, failed });
  });
}
