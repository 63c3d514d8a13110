/**
 * The cluster's callback receiver: a real HTTP server on 127.0.0.1 that keeps every delivery with
 * its delivery headers and arrival time. It answers after a short delay, as a real receiver
 * doing some work would, so that deliveries are in flight when the webhooks process is killed.
 */
import { createServer, type Server } from 'node:http';

export interface ReceivedCallback {
  at: number;
  body: Record<string, unknown>;
  /** Squish-Delivery-Id (issue 5), when the deliverer sends it. */
  deliveryId: string | undefined;
  attempt: string | undefined;
}

export interface CallbackReceiver {
  url: string;
  received: ReceivedCallback[];
  /** Deliveries being received right now (read, not yet answered). */
  inFlight(): number;
  /** The Squish-Delivery-Id of each delivery being received right now. */
  inFlightDeliveryIds(): string[];
  /** Resolves when a callback for this job id has been received, or after `limitMs`. */
  arrived(jobId: string, limitMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startCallbackReceiver(answerDelayMs: number): Promise<CallbackReceiver> {
  const received: ReceivedCallback[] = [];
  const waiters = new Map<string, (() => void)[]>();
  let inFlight = 0;
  const holding: string[] = [];
  const server: Server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    inFlight++;
    const held = request.headers['squish-delivery-id'];
    const heldId = Array.isArray(held) ? held[0] : held;
    if (heldId) holding.push(heldId);
    request.on('end', () => {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = { unparsable: text };
      }
      const header = (name: string) => {
        const value = request.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      setTimeout(() => {
        // Kept when answered: a delivery whose answer never left (the deliverer died meanwhile)
        // still counts as received, as it would for a real receiver that acted on it.
        received.push({
          at: Date.now(),
          body,
          deliveryId: header('squish-delivery-id'),
          attempt: header('squish-attempt'),
        });
        inFlight--;
        if (heldId) holding.splice(holding.indexOf(heldId), 1);
        response.writeHead(200).end('ok');
        const id = String(body.id);
        for (const wake of waiters.get(id) ?? []) wake();
        waiters.delete(id);
      }, answerDelayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/callback`,
    received,
    inFlight: () => inFlight,
    inFlightDeliveryIds: () => [...holding],
    arrived: (jobId, limitMs) => {
      if (received.some((callback) => callback.body.id === jobId)) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, limitMs);
        waiters.set(jobId, [
          ...(waiters.get(jobId) ?? []),
          () => {
            clearTimeout(timer);
            resolve();
          },
        ]);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
