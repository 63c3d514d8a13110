/**
 * A Kysely driver that runs every query through one `psql` session, so that the data layer's
 * conformance suite can run on a real PostgreSQL before the `pg` package is a dependency (issue 6
 * brings it, with the real PostgresDialect; this file goes then). Test support only: slow (one
 * round trip through psql per statement) and limited to what the stores use.
 *
 * Each row-returning statement is prepared with its parameters and wrapped so that psql prints
 * one JSON document: the rows (bigint columns as JSON numbers, as the int8 parser issue 6 sets
 * up will return them) and the number of rows affected.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from 'kysely';

/** Where the server is: libpq's host (a socket folder or a name), port and user. */
export interface PsqlTarget {
  host: string;
  port: string;
  user: string;
}

/** Reads `SQUISH_TEST_POSTGRES=host:port:user`, or undefined when the variable is not set. */
export function psqlTargetFromEnv(): PsqlTarget | undefined {
  const raw = process.env.SQUISH_TEST_POSTGRES;
  if (!raw) return undefined;
  const [host = '', port = '5432', user = 'postgres'] = raw.split(':');
  return { host, port, user };
}

/** Creates an empty database and a Kysely instance on it. */
export async function createPsqlDatabase<T>(target: PsqlTarget, name: string): Promise<Kysely<T>> {
  await adminStatement(target, `create database ${name}`);
  return new Kysely<T>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new PsqlDriver(target, name),
      createQueryCompiler: () => new PostgresQueryCompiler(),
      createIntrospector: (db) => new PostgresIntrospector(db),
    },
  });
}

export async function dropPsqlDatabase(target: PsqlTarget, name: string): Promise<void> {
  await adminStatement(target, `drop database if exists ${name}`);
}

async function adminStatement(target: PsqlTarget, statement: string): Promise<void> {
  const session = new PsqlSession(target, 'postgres');
  try {
    await session.run(`${statement};`);
  } finally {
    session.close();
  }
}

class PsqlSession implements DatabaseConnection {
  readonly #process: ChildProcessWithoutNullStreams;
  #stdout = '';
  #stderr = '';
  #onOutput: (() => void) | undefined;
  #markers = 0;

  constructor(target: PsqlTarget, database: string) {
    const args = [
      '-X',
      '-A',
      '-t',
      '-q',
      '-h',
      target.host,
      '-p',
      target.port,
      '-U',
      target.user,
      '-d',
      database,
    ];
    this.#process = spawn('psql', args, { stdio: 'pipe' });
    this.#process.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stdout += chunk;
      this.#onOutput?.();
    });
    this.#process.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr += chunk;
    });
  }

  /** Runs a psql script and returns what it printed; throws psql's error. */
  async run(script: string): Promise<string> {
    this.#markers += 1;
    const marker = `-- end ${this.#markers} --`;
    this.#stdout = '';
    this.#stderr = '';
    this.#process.stdin.write(`${script}\n\\echo '${marker}'\n`);
    while (!this.#stdout.includes(marker)) {
      if (this.#process.exitCode !== null) throw new Error(`psql exited: ${this.#stderr}`);
      await new Promise<void>((resolve) => {
        this.#onOutput = resolve;
      });
    }
    // psql writes an error to stderr before it reads the next command, so by the time the marker
    // is on stdout the error has been written; one more turn lets its data event arrive.
    await new Promise((resolve) => setImmediate(resolve));
    if (/^(ERROR|FATAL):/m.test(this.#stderr)) throw new Error(this.#stderr.trim());
    return this.#stdout.slice(0, this.#stdout.indexOf(marker)).trim();
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const sql = query.sql.trim();
    const verb = sql.split(/\s+/, 1)[0]?.toLowerCase() ?? '';
    const isDml = verb === 'insert' || verb === 'update' || verb === 'delete';
    if (!isDml && verb !== 'select' && verb !== 'with') {
      if (query.parameters.length > 0) throw new Error(`Parameters are not supported in: ${sql}`);
      await this.run(`${sql};`);
      return { rows: [] };
    }
    const returns = !isDml || / returning /i.test(sql);
    const body = isDml && !returns ? `${sql} returning 1` : sql;
    const wrapped = `with t as (${body}) select json_build_object('rows', coalesce(json_agg(t), '[]'::json), 'n', count(*)) from t`;
    const name = `q${this.#markers + 1}`;
    const script =
      query.parameters.length === 0
        ? `${wrapped};`
        : `prepare ${name} as ${wrapped};\nexecute ${name}(${query.parameters.map(literal).join(', ')});\ndeallocate ${name};`;
    const printed = JSON.parse(await this.run(script)) as { rows: R[]; n: number };
    return {
      rows: returns ? printed.rows : [],
      ...(isDml ? { numAffectedRows: BigInt(printed.n) } : {}),
    };
  }

  // biome-ignore lint/correctness/useYield: streaming is not used by the stores.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streamQuery is not supported by the psql test driver');
  }

  close(): void {
    this.#process.stdin.end();
  }
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return String(value);
  return `'${String(value).replaceAll("'", "''")}'`;
}

/** One session, handed to one user at a time, as Kysely's drivers for a single connection do. */
class PsqlDriver implements Driver {
  readonly #session: PsqlSession;
  #queue: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  constructor(target: PsqlTarget, database: string) {
    this.#session = new PsqlSession(target, database);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#queue;
    let release!: () => void;
    this.#queue = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    this.#release = release;
    return this.#session;
  }

  async beginTransaction(): Promise<void> {
    await this.#session.run('begin;');
  }

  async commitTransaction(): Promise<void> {
    await this.#session.run('commit;');
  }

  async rollbackTransaction(): Promise<void> {
    await this.#session.run('rollback;');
  }

  async releaseConnection(): Promise<void> {
    this.#release?.();
  }

  async destroy(): Promise<void> {
    this.#session.close();
  }
}
