/**
 * Several nodes starting at the same moment on one fresh PostgreSQL database: the migrations must
 * run exactly once, and every node must start. Kysely's Migrator serializes them with a session
 * advisory lock on PostgreSQL; these tests show it with real processes released together.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../src/db/index.js';
import { MIGRATIONS } from '../../src/db/migrations.js';
import { serviceValue, skipWithout } from '../helpers/services.js';
import { adminQuery, createScratchDatabase, type ScratchDatabase } from './postgres-scratch.js';

const skip = skipWithout('postgres');
const adminUrl = serviceValue('postgres') ?? '';
const CHILD = fileURLToPath(new URL('./migrate-race-child.ts', import.meta.url));
const NODES = 4;

const scratches: ScratchDatabase[] = [];
after(async () => {
  for (const scratch of scratches) await scratch.drop();
});

interface ChildOutcome {
  code: number | null;
  /** The migrations this child executed. */
  executed: string[];
  stderr: string;
}

/**
 * Starts `count` children on `url`, waits until each is connected and ready, then releases them
 * all with one write each, and returns how each ended.
 */
async function race(url: string, mode: 'migrator' | 'open', count: number): Promise<ChildOutcome[]> {
  const children = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, url, mode], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const lines = createInterface({ input: child.stdout });
    const outputs: string[] = [];
    const ready = new Promise<void>((resolve, reject) => {
      lines.on('line', (line) => {
        if (line === 'ready') resolve();
        else outputs.push(line);
      });
      child.once('exit', (code) =>
        reject(new Error(`child exited (${code}) before it was ready: ${stderr}`)),
      );
    });
    const ended = new Promise<ChildOutcome>((resolve) => {
      child.once('close', (code) => {
        const last = outputs.at(-1);
        resolve({ code, executed: last ? (JSON.parse(last) as string[]) : [], stderr });
      });
    });
    return { child, ready, ended };
  });
  await Promise.all(children.map(({ ready }) => ready));
  for (const { child } of children) child.stdin.write('go\n');
  return Promise.all(children.map(({ ended }) => ended));
}

describe('postgres: nodes migrating one fresh database at once', { skip }, () => {
  test(`${NODES} processes running the migrator together execute each migration exactly once`, async () => {
    const scratch = await createScratchDatabase(adminUrl, 'squish_test_race');
    scratches.push(scratch);
    const outcomes = await race(scratch.url, 'migrator', NODES);

    for (const outcome of outcomes) assert.equal(outcome.code, 0, outcome.stderr);
    const executed = outcomes.flatMap((outcome) => outcome.executed).sort();
    assert.deepEqual(executed, Object.keys(MIGRATIONS).sort());
    const recorded = await adminQuery(scratch.url, 'select name from kysely_migration order by name');
    assert.deepEqual(
      recorded.rows.map((row) => row.name),
      Object.keys(MIGRATIONS).sort(),
    );
  });

  test(`${NODES} processes opening the database as squish serve does all start and share one schema`, async () => {
    const scratch = await createScratchDatabase(adminUrl, 'squish_test_race');
    scratches.push(scratch);
    const outcomes = await race(scratch.url, 'open', NODES);

    for (const outcome of outcomes) assert.equal(outcome.code, 0, outcome.stderr);
    const db = await openDatabase(scratch.url);
    try {
      assert.equal((await db.accounts.list()).length, NODES);
    } finally {
      await db.close();
    }
  });
});
