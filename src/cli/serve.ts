/**
 * `squish serve`: runs the roles of this node (api, worker, webhooks, janitor) until SIGTERM or
 * SIGINT, then shuts down gracefully. The first stdout line is machine-readable
 * ("squish listening on <url>"): with `--port 0` it is how scripts and tests learn the port.
 */
import { type App, createApp } from '../app/index.js';
import { ConfigError, loadConfig } from '../config/index.js';
import type { CliStreams } from './optimize/run-optimize.js';
import { listeningLine, rolesLine } from './serve-start-lines.js';

/** The options of `serve` as commander gives them (strings, absent when not typed). */
export interface ServeFlags {
  port?: string;
  host?: string;
  data?: string;
  roles?: string;
  publicUrl?: string;
  concurrency?: string;
  logLevel?: string;
}

/** Exit status of a start refused for its settings (as for bad arguments). */
const EXIT_CONFIG = 2;
/** Exit status when the node cannot start (port taken, folder not writable). */
const EXIT_START_FAILED = 1;
/** Exit status when a second signal cuts the graceful shutdown short. */
const EXIT_INTERRUPTED = 130;

/**
 * Starts the node and resolves with the exit status once it has stopped: 0 after a graceful
 * shutdown, 2 for invalid settings.
 */
export async function runServe(
  flags: ServeFlags,
  streams: CliStreams,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env, {
      port: flags.port,
      host: flags.host,
      data: flags.data,
      roles: flags.roles,
      'public-url': flags.publicUrl,
      concurrency: flags.concurrency,
      'log-level': flags.logLevel,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    streams.stderr.write(`${error.message}\n`);
    return EXIT_CONFIG;
  }

  let app: App;
  try {
    app = await createApp(config);
  } catch (error) {
    // The usual causes (port taken, data folder not writable) need a line, not a stack trace.
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (!['EADDRINUSE', 'EADDRNOTAVAIL', 'EACCES', 'EROFS'].includes(code)) throw error;
    streams.stderr.write(`squish: cannot start: ${(error as Error).message}\n`);
    return EXIT_START_FAILED;
  }
  if (app.url) streams.stdout.write(`${listeningLine(app.url)}\n`);
  streams.stdout.write(
    [
      rolesLine(config.roles, config.dataDir, app.jobs.publicUrl),
      `create an API key with: squish keys create --data ${config.dataDir}`,
      '',
    ].join('\n'),
  );

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        streams.stderr.write(`squish: ${signal} again, exiting without waiting\n`);
        process.exit(EXIT_INTERRUPTED);
      }
      stopping = true;
      streams.stderr.write(`squish: ${signal} received, shutting down gracefully\n`);
      app.close().then(
        () => resolve(0),
        (error: unknown) => {
          streams.stderr.write(`squish: shutdown failed: ${String(error)}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  }).then((status) => {
    // Sockets of clients that went away can keep the event loop alive for a while; the
    // node has stopped, so it does not wait for them.
    setTimeout(() => process.exit(status), 1000).unref();
    return status;
  });
}
