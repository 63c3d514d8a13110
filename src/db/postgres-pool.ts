/**
 * The `pg` pool behind the PostgreSQL dialect (opened by connect.ts), with what a node of a
 * cluster needs from it beyond pg's defaults: int8 read as numbers, server-side limits, and
 * failures of the database itself (down, restarting, failing over, read-only) turned into
 * SquishError UNAVAILABLE, with the dead connection thrown away rather than handed out again.
 */
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import pg from 'pg';
import { SquishError } from '../errors/index.js';

/** Connections one process keeps to PostgreSQL at most (PostgreSQL allows 100 in all by default). */
const POOL_SIZE = 10;

/**
 * Limits on the server side, so that one stuck query or a node that hangs inside a transaction
 * cannot hold row locks (and with them every other node) indefinitely. The stores' statements
 * are single-row or batched by 500; none comes near these.
 */
const STATEMENT_TIMEOUT_MS = 30_000;
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * How long the client waits for any answer to a query. The server's statement timeout ends slow
 * queries itself (and the connection stays usable); this catches a server that does not answer at
 * all (paused, cut off by the network, where TCP keepalive takes minutes), and such a connection
 * is then thrown away.
 */
const QUERY_TIMEOUT_MS = STATEMENT_TIMEOUT_MS + 5_000;

/** How long a query waits for a connection (a new one, or a free one from a full pool). */
const CONNECTION_TIMEOUT_MS = 10_000;

/**
 * int8 (`bigint`: byte counts, epoch milliseconds, `count(*)`) as a number, as better-sqlite3
 * returns it; pg's default is a string, since int8 can exceed 2^53. These values never come near
 * that, but a value that did is left as the exact string rather than rounded (columns.ts `int`
 * accepts both).
 */
function parseInt8(text: string): number | string {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : text;
}

/**
 * A pool on the database `url` names (libpq's URL form: its query may set libpq parameters such
 * as `sslmode`, `application_name`, `statement_timeout` or `query_timeout`, which win over the
 * defaults here).
 * Nothing connects until the first query.
 */
export function openPostgresPool(url: string): PostgresPool {
  // Per pool, not pg.types.setTypeParser: that is process-wide and would change what any other
  // pg user in the process reads.
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, parseInt8);
  const pool = new pg.Pool({
    connectionString: url,
    types,
    max: POOL_SIZE,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
    // TCP keepalive: a connection to a server that vanished (failover, a cut network) is noticed by
    // the kernel instead of hanging until the statement timeout.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
    // Names this process in pg_stat_activity; `application_name` in the URL or PGAPPNAME wins.
    fallback_application_name: `squish/${process.pid}`,
  });
  // A connection that dies emits 'error' on its client, and on the pool too while idle; with no
  // listener either would crash the process. pg-pool listens on idle clients only, so a client
  // in use when the server goes away (a restart, a failover) needs its own. The error also
  // reaches the query that was running, and the pool drops the client when it is released.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return new UnavailableMappingPool(pool);
}

/**
 * Error codes of a database that cannot serve now, rather than of a wrong query: class 08
 * (connection exceptions), the server shutting down, crashing or starting (57P01-57P03), and the
 * socket errors of a server that is down or unreachable. The connection is lost with them.
 */
const CONNECTION_LOST_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/** pg's own errors for a connection that ended, never came, or stopped answering carry no code. */
const CONNECTION_LOST_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout)/;

/** A read-only server (25006): a standby not yet promoted, or a demoted primary still behind the address. */
const READ_ONLY_CODE = '25006';

type Failure = 'connection-lost' | 'read-only' | 'query';

function classify(error: unknown): Failure {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (code.startsWith('08') || CONNECTION_LOST_CODES.has(code)) return 'connection-lost';
    if (code === READ_ONLY_CODE) return 'read-only';
    return 'query';
  }
  return error instanceof Error && CONNECTION_LOST_MESSAGE.test(error.message) ? 'connection-lost' : 'query';
}

/**
 * SquishError UNAVAILABLE (503 "try again shortly", retried by the queue) for a database that
 * cannot serve; any other error as it is. The message reaches API clients, so it names no host
 * or port; the cause (logged) does. pg's messages never hold the password.
 */
function unavailable(error: unknown): SquishError {
  return new SquishError('UNAVAILABLE', 'The database is not available; try again shortly.', {
    cause: error,
  });
}

/**
 * The pg pool as Kysely's PostgresDialect uses it, with failures mapped as above. A client whose
 * connection was lost is destroyed on release instead of going back to the pool: the server's
 * error can arrive before the socket closes, and the next query would get the dead connection.
 * Each pg client keeps one wrapper, since Kysely keys its connection state by the client object.
 */
class UnavailableMappingPool implements PostgresPool {
  readonly #clients = new WeakMap<pg.PoolClient, PostgresPoolClient>();

  constructor(private readonly pool: pg.Pool) {}

  async connect(): Promise<PostgresPoolClient> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw classify(error) === 'query' ? error : unavailable(error);
    }
    let wrapped = this.#clients.get(client);
    if (!wrapped) {
      let lost = false;
      wrapped = {
        query: async <R>(
          sql: string,
          parameters: ReadonlyArray<unknown>,
        ): Promise<PostgresQueryResult<R>> => {
          try {
            return (await client.query(sql, [...parameters])) as unknown as PostgresQueryResult<R>;
          } catch (error) {
            const failure = classify(error);
            if (failure === 'query') throw error;
            if (failure === 'connection-lost') lost = true;
            throw unavailable(error);
          }
        },
        release: (destroy?: boolean) => client.release(destroy || lost),
      } as PostgresPoolClient; // Kysely's cursor overload is not used: no cursor is configured.
      this.#clients.set(client, wrapped);
    }
    return wrapped;
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}
