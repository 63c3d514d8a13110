/**
 * A real HTTP server on 127.0.0.1 for the outbound client's tests: routes by path, and counts the
 * connections and requests it saw, so a refusal can be shown to have sent nothing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = (request: http.IncomingMessage, response: http.ServerResponse, body: Buffer) => void;

export interface LocalServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  port: number;
  connections: number;
  requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }>;
  close(): Promise<void>;
}

export async function startLocalServer(routes: Record<string, Route>): Promise<LocalServer> {
  const server = http.createServer();
  const state: LocalServer = {
    origin: '',
    port: 0,
    connections: 0,
    requests: [],
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('connection', () => {
    state.connections += 1;
  });
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
