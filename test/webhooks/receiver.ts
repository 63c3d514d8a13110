/**
 * A real webhook receiver on a loopback address for the deliverer's tests. Each path has a
 * behaviour the test can change at any time (answer a status, hang until released, answer late),
 * every request is kept with its headers and raw body, and the server can be stopped and started
 * again on the same port (a receiver that is down and comes back).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the receiver does with a request to one path. */
export type Behaviour =
  | { kind: 'status'; status: number; body?: string }
  /** Answers `status` after `ms` milliseconds. */
  | { kind: 'late'; ms: number; status: number }
  /** Holds the request unanswered until `release()` (then answers 200), or until the client gives up. */
  | { kind: 'hold' }
  /** Answers `failures` more requests with `status`, then 200. */
  | { kind: 'flaky'; failures: number; status: number };

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The status answered, or null when the request was never answered. */
  answered: number | null;
}

export interface Receiver {
  /** http://<host>:<port> */
  readonly origin: string;
  readonly requests: ReceivedRequest[];
  /** Sets what a path does from now on (unknown paths answer 200). */
  on(path: string, behaviour: Behaviour): void;
  /** Answers every held request 200 and stops holding new ones on those paths. */
  release(): void;
  /** Stops listening and drops open connections; `start` listens again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startReceiver(host = '127.0.0.1'): Promise<Receiver> {
  const behaviours = new Map<string, Behaviour>();
  const held: { request: ReceivedRequest; response: http.ServerResponse }[] = [];
  const requests: ReceivedRequest[] = [];
  let port = 0;
  let server: http.Server | undefined;

  const answer = (received: ReceivedRequest, response: http.ServerResponse, status: number, body = '') => {
    received.answered = status;
    response.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  };

  const handle = (request: http.IncomingMessage, response: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = (request.url ?? '/').split('?')[0]!;
      const received: ReceivedRequest = {
        path,
        headers: request.headers,
        body: Buffer.concat(chunks),
        answered: null,
      };
      requests.push(received);
      const behaviour = behaviours.get(path) ?? { kind: 'status', status: 200 };
      switch (behaviour.kind) {
        case 'status':
          return answer(received, response, behaviour.status, behaviour.body);
        case 'late': {
          setTimeout(() => answer(received, response, behaviour.status), behaviour.ms);
          return;
        }
        case 'hold':
          held.push({ request: received, response });
          return;
        case 'flaky':
          if (behaviour.failures > 0) {
            behaviour.failures -= 1;
            return answer(received, response, behaviour.status, 'busy, try later');
          }
          return answer(received, response, 200);
      }
    });
  };

  const receiver: Receiver = {
    get origin() {
      return `http://${host}:${port}`;
    },
    requests,
    on(path, behaviour) {
      behaviours.set(path, behaviour);
    },
    release() {
      for (const [path, behaviour] of behaviours) {
        if (behaviour.kind === 'hold') behaviours.set(path, { kind: 'status', status: 200 });
      }
      for (const { request, response } of held.splice(0)) {
        if (!response.destroyed && !response.writableEnded) answer(request, response, 200);
      }
    },
    async stop() {
      const current = server;
      server = undefined;
      if (!current) return;
      current.closeAllConnections();
      await new Promise<void>((resolve) => current.close(() => resolve()));
    },
    async start() {
      const next = http.createServer(handle);
      await new Promise<void>((resolve, reject) => {
        next.once('error', reject);
        next.listen(port, host, () => resolve());
      });
      port = (next.address() as AddressInfo).port;
      server = next;
    },
  };
  await receiver.start();
  return receiver;
}
