/**
 * The Kraken v1 API (B1): POST /v1/upload, POST /v1/url and POST /user_status, as one
 * encapsulated Fastify plugin with its own body parsers and error answers. It only talks to the
 * platform through JobService.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { JobService, SubmitJob } from '../../api/job-service.js';
import { UploadMemory } from '../../api/upload-memory.js';
import { declaresOversizedUpload } from '../../api/upload-size.js';
import type { Account, JobDelivery, JobRecord } from '../../db/records.js';
import { SquishError } from '../../errors/index.js';
import { type JsonObjectParser, jsonObjectParser, registerKrakenBodyParsers } from './body-parsers.js';
import { KRAKEN_MESSAGES, krakenErrorFromThrown } from './error-body.js';
import { isPlainObject } from './lenient-values.js';
import { readMultipartUpload } from './multipart-upload.js';
import { type KrakenPlan, krakenOptionsToPlan } from './options-to-plan.js';
import { readCredentials, readDelivery, readSourceUrl } from './request-options.js';
import { krakenAcceptedBody, krakenJobAnswer } from './result-body.js';
import { krakenUserStatus } from './user-status.js';

/** Seconds a 503 (uploads held to the limit, a node shutting down) tells the client to wait. */
const RETRY_AFTER_SECONDS = 5;

/** The value of `JobRecord.compat.api` for jobs this API accepted. */
export const KRAKEN_API = 'kraken';

export interface KrakenRoutesOptions {
  jobs: JobService;
  /** The process's bound on upload bytes held in memory (none when absent). */
  uploadMemory?: UploadMemory;
}

/** A request that passed authentication and validation, ready to be submitted. */
interface AcceptedRequest extends KrakenPlan {
  account: Account;
  delivery: JobDelivery;
}

/** Registers the Kraken v1 routes; mount it at the root (`/user_status` has no `/v1`). */
export const krakenRoutes: FastifyPluginAsync<KrakenRoutesOptions> = async (
  fastify,
  { jobs, uploadMemory = new UploadMemory(Number.POSITIVE_INFINITY) },
) => {
  const parseJson = jsonObjectParser(fastify);
  await registerKrakenBodyParsers(fastify, parseJson, jobs.maxUploadBytes);

  fastify.setErrorHandler((error, request, reply) => {
    const answer = krakenErrorFromThrown(error, jobs.maxUploadBytes);
    if (answer.status === 503) {
      // Expected under load, at shutdown or on a full disk: the client is told when to come back.
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      // A full disk needs an operator, so it is logged as an error, with its cause.
      if (answer.body.code === 'STORAGE_FULL') request.log.error({ err: error }, answer.body.message);
      else request.log.warn({ code: answer.body.code }, answer.body.message);
    } else if (answer.status >= 500) request.log.error({ err: error }, 'kraken request failed');
    return reply.code(answer.status).send(answer.body);
  });

  /**
   * Cheapest checks first: who is calling, then what they ask (`validate` checks what only one
   * endpoint has), then whether their quota allows it.
   */
  const accept = async (
    options: Record<string, unknown>,
    validate?: (options: Record<string, unknown>) => void,
  ): Promise<AcceptedRequest> => {
    const { apiKey, apiSecret } = readCredentials(options);
    const account = await jobs.authenticate(apiKey, apiSecret);
    const delivery = readDelivery(options);
    const plan = krakenOptionsToPlan(options);
    validate?.(options);
    await jobs.checkQuota(account, plan.dev);
    return { account, delivery, ...plan };
  };

  const submitAndRespond = async (
    reply: FastifyReply,
    accepted: AcceptedRequest,
    source: SubmitJob['source'],
  ) => {
    const job = await jobs.submit({
      account: accepted.account,
      source,
      plan: accepted.plan,
      delivery: accepted.delivery,
      dev: accepted.dev,
      keepExtension: accepted.keepExtension,
      compat: { api: KRAKEN_API, data: { endpoint: source.kind } },
    });
    if (accepted.delivery.mode === 'callback') return reply.code(200).send(krakenAcceptedBody(job));
    // A client that closes the request before its answer ends the wait (the job goes on).
    const clientGone = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) clientGone.abort();
    });
    const done: JobRecord = await jobs.waitForResult(job.id, undefined, clientGone.signal);
    const result = krakenJobAnswer(done, (token, name) => jobs.downloadUrl(token, name));
    // A job that failed for want of room (STORAGE_FULL) may succeed later, as any 503.
    if (result.status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    return reply.code(result.status).send(result.body);
  };

  /**
   * An upload whose declared length is over any upload's is answered 413 from its headers, before
   * its body is read. A client that asked first (`Expect: 100-continue`) never sends the body, and
   * Node closes the connection; one already sending sees the answer and stops (curl does). The
   * connection is not closed under a client still sending: the kernel would reset it, and the
   * client could lose the answer (curl at full speed read nothing); Node reads the rest and drops it.
   */
  const refuseDeclaredOversize = async (request: FastifyRequest) => {
    if (!declaresOversizedUpload(request.headers, jobs.maxUploadBytes)) return;
    throw new SquishError('INPUT_TOO_LARGE');
  };

  fastify.post('/v1/upload', { onRequest: refuseDeclaredOversize }, async (request, reply) => {
    if (!request.isMultipart()) {
      // Options without a file: still check the key first, so a wrong key reads as 401.
      await accept(optionsOf(request.body, parseJson));
      throw new SquishError(
        'INVALID_REQUEST',
        'The upload has no image: /v1/upload takes multipart/form-data with the file and a `data` options part.',
      );
    }
    // The image's bytes count against the process's upload memory until the answer has gone out
    // ('close' also fires when the client goes away first).
    const hold = uploadMemory.hold();
    reply.raw.once('close', () => hold.release());
    const { prepared, image } = await readMultipartUpload(request.parts(), parseJson, accept, hold);
    return submitAndRespond(reply, prepared, {
      kind: 'upload',
      bytes: image.bytes,
      fileName: image.fileName,
    });
  });

  fastify.post('/v1/url', async (request, reply) => {
    const options = optionsOf(request.body, parseJson);
    const accepted = await accept(options, readSourceUrl);
    return submitAndRespond(reply, accepted, { kind: 'url', url: readSourceUrl(options) });
  });

  fastify.post('/user_status', async (request, reply) => {
    const options = optionsOf(request.body, parseJson);
    const { apiKey, apiSecret } = readCredentials(options);
    const account = await jobs.authenticate(apiKey, apiSecret);
    return reply.code(200).send(krakenUserStatus(account));
  });
};

/** The options object of a JSON or form body (the parsers already made it one). */
function optionsOf(body: unknown, parseJson: JsonObjectParser): Record<string, unknown> {
  if (isPlainObject(body)) return body;
  if (typeof body === 'string') return parseJson(body);
  throw new SquishError('INVALID_REQUEST', KRAKEN_MESSAGES.invalidJson);
}
