/**
 * A real HTTP server on 127.0.0.1 for the outbound client's tests: routes by path, and records the
 * requests it saw, so a refusal can be shown to have sent nothing.
 *
 * It does not count connections for that: the test files run in parallel processes, and a port
 * one of them closed and connects to again (a receiver that is "not listening", a webhook retry)
 * can be the port this server was just given; such a stranger's connection once made a refusal
 * test here fail. A refusal test sends to a {@link probeUrl} path instead, which no other process
 * can know, and checks that no request for it arrived.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = (request: http.IncomingMessage, response: http.ServerResponse, body: Buffer) => void;

export interface LocalServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  port: number;
  requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }>;
  close(): Promise<void>;
}

export async function startLocalServer(routes: Record<string, Route>): Promise<LocalServer> {
  const server = http.createServer();
  const state: LocalServer = {
    origin: '',
    port: 0,
    requests: [],
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('request', (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = request.url ?? '/';
      state.requests.push({ method: request.method ?? '', url, headers: request.headers, body });
      const route = routes[url.split('?')[0]!];
      if (route) {
        route(request, response, body);
      } else {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.origin = `http://127.0.0.1:${state.port}`;
  return state;
}

/** `path` with a query no other process can know: routed as `path`, recorded with the query. */
export function probePath(path: string): string {
  return `${path}?probe=${randomUUID()}`;
}

/** Whether a request for exactly `path` (as {@link probePath} made it) reached `server`. */
export function reached(server: LocalServer, path: string): boolean {
  return server.requests.some((request) => request.url === path);
}
