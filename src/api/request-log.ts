import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/** Load-balancer probes arrive every few seconds on every node: logging them buries the rest. */
const PROBES = new Set(['/healthz', '/readyz']);

/**
 * One log line per request (method, path, status, time) instead of Fastify's two, and none for
 * health probes; failures keep their error and the `error` level.
 */
export class RequestLogController extends LogController {
  override isLogDisabled(request: FastifyRequest): boolean {
    return PROBES.has(request.url);
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    const line = {
      method: request.method,
      url: redactDownloadToken(request.url),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
    };
    if (error) request.log.error({ ...line, err: error }, 'request failed');
    else request.log.info(line, 'request');
  }
}

/**
 * A download token is the only secret of a result (anyone with the link can fetch it), so logs,
 * which more people read than results, get the path without it.
 */
export function redactDownloadToken(url: string): string {
  return url.replace(/^\/dl\/[^/?]+/, '/dl/<token>');
}
