/**
 * Reads the jobs table of a running server's SQLite file, read-only, to see when a job has
 * started (the tests kill or stop the server at that moment). WAL lets it read beside the server.
 */
import path from 'node:path';
import Database from 'better-sqlite3';

export async function waitForRunningJob(dataDir: string, timeoutMs = 60_000, id?: string): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const db = new Database(path.join(dataDir, 'squish.db'), { readonly: true, fileMustExist: true });
  try {
    const query = db.prepare<[], { id: string }>("SELECT id FROM jobs WHERE status = 'running'");
    while (Date.now() < deadline) {
      const running = query.all().map((row) => row.id);
      const found = id === undefined ? running[0] : running.find((candidate) => candidate === id);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    db.close();
  }
  throw new Error(`no running job within ${timeoutMs} ms`);
}

export function jobStatus(dataDir: string, id: string): string | undefined {
  const db = new Database(path.join(dataDir, 'squish.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare<[string], { status: string }>('SELECT status FROM jobs WHERE id = ?').get(id)?.status;
  } finally {
    db.close();
  }
}
