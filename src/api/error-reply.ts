import type { FastifyError, FastifyInstance } from 'fastify';
import { ERROR_CODES, type ErrorCode, isSquishError, isStorageFull, SquishError } from '../errors/index.js';

/** The JSON body of every error the platform's own routes answer. */
export interface ErrorBody {
  /** Always false: Kraken clients look only at this field to tell failure (compat spec B1.8). */
  success: false;
  code: ErrorCode;
  message: string;
}

/** Squish codes for the statuses Fastify's own errors carry (bad JSON, body too large, ...). */
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'INVALID_REQUEST',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  413: 'INPUT_TOO_LARGE',
  415: 'INVALID_REQUEST',
  503: 'UNAVAILABLE',
};

/**
 * Maps any error to an HTTP status and a JSON body. A SquishError keeps its code, status and
 * public message; a Fastify client error (4xx) keeps its status; a full disk is a 503
 * STORAGE_FULL; anything else is a 500. `internal`: the detail belongs in the log (at error
 * level), never in the answer.
 */
export function errorReply(error: unknown): { status: number; body: ErrorBody; internal: boolean } {
  if (isSquishError(error)) {
    return {
      status: error.status,
      body: { success: false, code: error.code, message: error.message },
      internal: false,
    };
  }
  const statusCode = (error as FastifyError | undefined)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const code = CODE_BY_STATUS[statusCode] ?? 'INVALID_REQUEST';
    const message = (error as FastifyError).message || ERROR_CODES[code].message;
    return { status: statusCode, body: { success: false, code, message }, internal: false };
  }
  if (isStorageFull(error)) {
    // Logged like an internal error (the cause names the disk), answered as the 503 it is.
    const { status, message } = ERROR_CODES.STORAGE_FULL;
    return { status, body: { success: false, code: 'STORAGE_FULL', message }, internal: true };
  }
  return {
    status: 500,
    body: { success: false, code: 'INTERNAL', message: ERROR_CODES.INTERNAL.message },
    internal: true,
  };
}

/**
 * The answer to an address the router refuses before any route, hook or error handler runs:
 * malformed percent-encoding (FST_ERR_BAD_URL) is a 400, a path parameter longer than any address
 * Squish makes (FST_ERR_MAX_PARAM_LENGTH: a download token and name, a delivery id) names nothing,
 * so 404. Without this, Fastify answered them in a shape of its own (`{"error": "Bad Request",
 * "code": "FST_ERR_MAX_PARAM_LENGTH", ...}`, status 414), echoing the whole path.
 */
export function frameworkErrorReply(error: FastifyError): { status: number; body: ErrorBody } {
  const { status, body } = errorReply(squishErrorFor(error));
  return { status, body };
}

function squishErrorFor(error: FastifyError): unknown {
  if (error.code === 'FST_ERR_BAD_URL') {
    return new SquishError('INVALID_REQUEST', 'The address is not a valid URL (malformed percent-encoding).');
  }
  return error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? new SquishError('NOT_FOUND') : error;
}

/** Installs the error and not-found handlers of the routes outside the compat plugins. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const { status, body, internal } = errorReply(error);
    if (internal) request.log.error({ err: error }, 'request failed');
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      success: false,
      code: 'NOT_FOUND',
      message: `${ERROR_CODES.NOT_FOUND.message} (${request.method} ${request.url})`,
    };
    return reply.code(404).type('application/json; charset=utf-8').send(body);
  });
}
