/**
 * The fast local webhook receiver of `npm run bench:webhooks`: answers 204 at once, notes when each
 * delivery first arrived, and checks every signature (a benchmark that counted unsigned or
 * mis-signed requests as deliveries would measure the wrong thing).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { verifyWebhookSignature } from '../../src/webhooks/signature.js';

export interface BenchReceiver {
  url: string;
  /** performance.timeOrigin + now() of each delivery's first request, by delivery id. */
  firstArrival: Map<string, number>;
  /** Requests received in all (retries and duplicates included). */
  requests: number;
  /** Requests whose signature did not verify. */
  badSignatures: number;
  close(): Promise<void>;
}

function headerText(request: IncomingMessage, name: string): string {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

/** Starts a receiver on 127.0.0.1 (a free port); `secret` is the key's signing secret. */
export async function startBenchReceiver(secret: string): Promise<BenchReceiver> {
  const receiver: BenchReceiver = {
    url: '',
    firstArrival: new Map(),
    requests: 0,
    badSignatures: 0,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const arrivedAt = Date.now();
      receiver.requests += 1;
      if (!verifyWebhookSignature({ secret, body: Buffer.concat(chunks), headers: request.headers })) {
        receiver.badSignatures += 1;
      }
      const deliveryId = headerText(request, 'squish-delivery-id');
      if (!receiver.firstArrival.has(deliveryId)) receiver.firstArrival.set(deliveryId, arrivedAt);
      response.writeHead(204).end();
    });
  });
  // Keep-alive as Squish's outbound agent uses it: the connection set-up is not what is measured.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return receiver;
}
