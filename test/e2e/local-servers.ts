/**
 * Small real HTTP servers on 127.0.0.1 for the end-to-end tests: one serving image files (the
 * source of /v1/url requests) and one receiving callbacks.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Serves the files of a folder at /<name>. */
export async function startFileServer(folder: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (request, response) => {
    const name = path.basename(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
    try {
      const bytes = await readFile(path.join(folder, name));
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
      response.end(bytes);
    } catch {
      response.writeHead(404).end('not found');
    }
  });
  return { url: await listen(server), close: () => closeServer(server) };
}

/** A callback receiver: every POSTed JSON body is kept, and `next` resolves with the next one to arrive. */
export interface CallbackReceiver {
  url: string;
  bodies: unknown[];
  /** The first body (already received or still to come) whose `id` is this job id. */
  bodyFor(id: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startCallbackReceiver(): Promise<CallbackReceiver> {
  const bodies: unknown[] = [];
  const waiting: (() => void)[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    request.on('end', () => {
      try {
        bodies.push(JSON.parse(text));
      } catch {
        bodies.push({ unparsable: text });
      }
      response.writeHead(200).end('ok');
      for (const wake of waiting.splice(0)) wake();
    });
  });
  const url = await listen(server);
  const find = (id: string) =>
    bodies.find((body) => (body as { id?: unknown }).id === id) as Record<string, unknown> | undefined;
  return {
    url,
    bodies,
    bodyFor: async (id, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = find(id);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no callback for job ${id} within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 1000));
          waiting.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    close: () => closeServer(server),
  };
}
