/**
 * The lines `squish serve` prints on stdout once its node runs, and the one reader of them for
 * whatever supervises a serve process (benchmarks, end-to-end and cluster tests): the format and
 * its parser live together so that they cannot drift apart.
 */
import type { ChildProcess } from 'node:child_process';

/** First line with the api role: where the node listens (with `--port 0`, how a supervisor learns the port). */
export function listeningLine(url: string): string {
  return `squish listening on ${url}`;
}

/** The line every node prints: its roles, data folder and download base. */
export function rolesLine(roles: readonly string[], dataDir: string, publicUrl: string): string {
  return `roles: ${roles.join(', ')}; data: ${dataDir}; download links: ${publicUrl}`;
}

const LISTENING = /^squish listening on (http:\/\/\S+)$/m;
const ROLES = /^()roles: /m;

/**
 * Resolves once `child` (a `squish serve` process with its stdout piped) says it runs: with the
 * URL from its listening line when it has the api role, else with '' on its roles line.
 * @param failure builds the rejection from what went wrong ("did not start within N ms" or
 *   "exited (code) before starting") and the stdout read so far.
 */
export function serveStarted(
  child: ChildProcess,
  options: { apiRole: boolean; timeoutMs: number; failure(reason: string, stdout: string): Error },
): Promise<string> {
  const started = options.apiRole ? LISTENING : ROLES;
  let stdout = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(options.failure(`did not start within ${options.timeoutMs} ms`, stdout)),
      options.timeoutMs,
    );
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = started.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(options.failure(`exited (${code ?? signal}) before starting`, stdout));
    });
  });
}
