/**
 * Every setting of `squish serve` and the other service commands, in one table: its environment
 * variable, its command-line flag, its default and what it means. The README's configuration
 * table is this list (a test keeps them in sync). Values are validated once at start; a wrong one
 * stops the start with a message naming the variable.
 */
import { availableParallelism, totalmem } from 'node:os';

export const ROLES = ['api', 'worker', 'webhooks', 'janitor'] as const;
export type Role = (typeof ROLES)[number];

export interface ServeConfig {
  port: number;
  host: string;
  dataDir: string;
  publicUrl: string;
  roles: readonly Role[];
  databaseUrl: string;
  resultTtlSeconds: number;
  maxUploadBytes: number;
  uploadMemoryBytes: number;
  workerConcurrency: number;
  waitTimeoutSeconds: number;
  allowPrivateNetworks: boolean;
  fetchTimeoutSeconds: number;
  shutdownTimeoutSeconds: number;
  trustProxy: readonly string[];
  redisUrl: string | undefined;
  redisSentinels: readonly string[] | undefined;
  redisMaster: string;
  storage: string;
  s3PresignedDownloads: boolean;
  webhookTimeoutSeconds: number;
  webhookAttempts: number;
  webhookFirstRetrySeconds: number;
  webhookRetrySpanSeconds: number;
  webhookConcurrency: number;
  webhookHostConcurrency: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** How one setting is read. `parse` throws a message (without the variable's name) when wrong. */
export interface SettingDescriptor<K extends keyof ServeConfig = keyof ServeConfig> {
  key: K;
  env: string;
  /** Long flag without dashes, e.g. "port" for --port. */
  flag?: string;
  /** The default, or a function of the settings read so far (e.g. paths under the data folder). */
  fallback: ServeConfig[K] | ((config: Partial<ServeConfig>) => ServeConfig[K]);
  /** How the default reads in the README. */
  defaultText: string;
  description: string;
  parse(raw: string): ServeConfig[K];
}

function integer(min: number, max: number) {
  return (raw: string): number => {
    // Digits only: Number() would read "" as 0 (an empty SQUISH_PORT= must not mean a random port).
    const value = Number(raw);
    if (!/^\s*\d+\s*$/.test(raw) || value < min || value > max) {
      throw new Error(`expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return value;
  };
}

function flag(raw: string): boolean {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off|)$/i.test(raw)) return false;
  throw new Error(`expected 1/0, true/false, yes/no or on/off, got ${JSON.stringify(raw)}`);
}

function httpUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`expected an absolute http(s) URL, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`expected an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  return raw.replace(/\/+$/, '');
}

function hostPortList(raw: string): string[] {
  const list = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (list.length === 0) throw new Error('expected host:port,host:port,...');
  for (const entry of list) {
    if (!/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(entry)) {
      throw new Error(`expected host:port, got ${JSON.stringify(entry)}`);
    }
  }
  return list;
}

function roles(raw: string): Role[] {
  const list = raw
    .split(',')
    .map((role) => role.trim())
    .filter(Boolean);
  if (list.length === 0) throw new Error(`expected a comma-separated list of ${ROLES.join(', ')}`);
  for (const role of list) {
    if (!(ROLES as readonly string[]).includes(role)) {
      throw new Error(`unknown role ${JSON.stringify(role)}; roles are ${ROLES.join(', ')}`);
    }
  }
  return [...new Set(list)] as Role[];
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * The memory this process may use: the machine's, or a container's limit when it is lower. In a
 * container os.totalmem() reports the host's memory; the cgroup limit is process.constrainedMemory()
 * (0 when unknown; 2^64 when unlimited).
 */
export function availableMemory(total = totalmem(), constrained = process.constrainedMemory()): number {
  return constrained > 0 && constrained < total ? constrained : total;
}

function define<K extends keyof ServeConfig>(descriptor: SettingDescriptor<K>): SettingDescriptor<K> {
  return descriptor;
}

/** Every setting, in the order the README lists them. */
export const SETTINGS = [
  define({
    key: 'port',
    env: 'SQUISH_PORT',
    flag: 'port',
    fallback: 8080,
    defaultText: '8080',
    description: 'TCP port the API listens on (0 picks a free one).',
    parse: integer(0, 65535),
  }),
  define({
    key: 'host',
    env: 'SQUISH_HOST',
    flag: 'host',
    fallback: '127.0.0.1',
    defaultText: '127.0.0.1',
    description: 'Address the API listens on; 0.0.0.0 for every interface.',
    parse: (raw) => {
      if (!raw) throw new Error('expected a host name or address');
      return raw;
    },
  }),
  define({
    key: 'dataDir',
    env: 'SQUISH_DATA_DIR',
    flag: 'data',
    fallback: './data',
    defaultText: '`./data`',
    description: 'Folder of the embedded database (`squish.db`) and of stored files (`blobs/`).',
    parse: (raw) => {
      if (!raw) throw new Error('expected a folder path');
      return raw;
    },
  }),
  define({
    key: 'publicUrl',
    env: 'SQUISH_PUBLIC_URL',
    flag: 'public-url',
    fallback: (config) => `http://${hostForUrl(config.host ?? '127.0.0.1')}:${config.port ?? 8080}`,
    defaultText: '`http://<host>:<port>`',
    description: 'Base URL that download links (`kraked_url`) are built from, as clients reach the API.',
    parse: httpUrl,
  }),
  define({
    key: 'roles',
    env: 'SQUISH_ROLES',
    flag: 'roles',
    fallback: [...ROLES],
    defaultText: `\`${ROLES.join(',')}\``,
    description: 'Roles this process runs.',
    parse: roles,
  }),
  define({
    key: 'databaseUrl',
    env: 'SQUISH_DATABASE_URL',
    fallback: (config) => `sqlite:${config.dataDir ?? './data'}/squish.db`,
    defaultText: '`sqlite:<data>/squish.db`',
    description: 'Where accounts, jobs and usage live.',
    parse: (raw) => {
      if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(raw)) {
        // The URL may hold a password: the message shows its scheme only.
        const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(raw)?.[0] ?? 'no scheme';
        throw new Error(
          `expected sqlite:<path> or postgres://user:password@host:port/database, got a URL with ${scheme}`,
        );
      }
      return raw;
    },
  }),
  define({
    key: 'redisUrl',
    env: 'SQUISH_REDIS_URL',
    fallback: undefined,
    defaultText: 'unset',
    description:
      'Redis for the job queue (BullMQ), e.g. `redis://10.0.0.5:6379/0`. Unset (and no Sentinels): the embedded queue in the SQLite file.',
    parse: (raw) => {
      if (!/^rediss?:\/\//.test(raw))
        throw new Error(`expected redis://host:port[/db], got ${JSON.stringify(raw)}`);
      return raw;
    },
  }),
  define({
    key: 'redisSentinels',
    env: 'SQUISH_REDIS_SENTINELS',
    fallback: undefined,
    defaultText: 'unset',
    description:
      'Redis Sentinels as `host:port,host:port,...`; the queue follows the master they name (`SQUISH_REDIS_MASTER`) through failovers. Wins over `SQUISH_REDIS_URL`.',
    parse: hostPortList,
  }),
  define({
    key: 'redisMaster',
    env: 'SQUISH_REDIS_MASTER',
    fallback: 'mymaster',
    defaultText: '`mymaster`',
    description: 'Name of the master the Sentinels watch.',
    parse: (raw) => {
      if (!raw) throw new Error('expected a master name');
      return raw;
    },
  }),
  define({
    key: 'storage',
    env: 'SQUISH_STORAGE',
    fallback: (config) => `file:${config.dataDir ?? './data'}/blobs`,
    defaultText: '`file:<data>/blobs`',
    description:
      "Where inputs and results are stored: `file:<folder>` (local, or a shared POSIX mount such as GlusterFS or NFS) or `s3://<bucket>[/<prefix>]?endpoint=<url>&region=<region>[&forcePathStyle=true\\|false][&publicEndpoint=<url>]` (path-style by default when an endpoint is given; `publicEndpoint`: the address clients reach for presigned downloads). S3 credentials come from `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (or the AWS SDK's other standard sources).",
    parse: (raw) => {
      if (!/^(file:.+|s3:\/\/[^/?]+)/.test(raw)) {
        throw new Error(`expected file:<folder> or s3://<bucket>?endpoint=<url>, got ${JSON.stringify(raw)}`);
      }
      return raw;
    },
  }),
  define({
    key: 's3PresignedDownloads',
    env: 'SQUISH_S3_PRESIGNED_DOWNLOADS',
    fallback: false,
    defaultText: '0',
    description:
      'With S3 storage, answer downloads with a redirect to a short-lived presigned URL instead of streaming through the API node.',
    parse: flag,
  }),
  define({
    key: 'webhookTimeoutSeconds',
    env: 'SQUISH_WEBHOOK_TIMEOUT',
    fallback: 10,
    defaultText: '10',
    description: 'Time limit of one webhook delivery attempt, connection to last byte; then it is retried.',
    parse: integer(1, 300),
  }),
  define({
    key: 'webhookAttempts',
    env: 'SQUISH_WEBHOOK_ATTEMPTS',
    fallback: 15,
    defaultText: '15',
    description: 'Delivery attempts of one webhook before it is marked dead (it can still be re-sent).',
    parse: integer(1, 100),
  }),
  define({
    key: 'webhookFirstRetrySeconds',
    env: 'SQUISH_WEBHOOK_FIRST_RETRY',
    fallback: 4,
    defaultText: '4',
    description:
      'Delay before the first retry; later delays grow exponentially (with jitter) to fill the retry span.',
    parse: integer(1, 3600),
  }),
  define({
    key: 'webhookRetrySpanSeconds',
    env: 'SQUISH_WEBHOOK_RETRY_SPAN',
    fallback: 86400,
    defaultText: '86400 (24 h)',
    description: 'Time from the first attempt to the last one.',
    parse: integer(1, 30 * 86400),
  }),
  define({
    key: 'webhookConcurrency',
    env: 'SQUISH_WEBHOOK_CONCURRENCY',
    fallback: 32,
    defaultText: '32',
    description: 'Webhook deliveries one webhooks process makes at once.',
    parse: integer(1, 1024),
  }),
  define({
    key: 'webhookHostConcurrency',
    env: 'SQUISH_WEBHOOK_HOST_CONCURRENCY',
    fallback: 4,
    defaultText: '4',
    description: 'Deliveries to one receiver host at once, so that one slow receiver cannot hold every slot.',
    parse: integer(1, 1024),
  }),
  define({
    key: 'resultTtlSeconds',
    env: 'SQUISH_RESULT_TTL',
    fallback: 3600,
    defaultText: '3600',
    description: 'Seconds a result stays downloadable; then the janitor deletes it.',
    parse: integer(60, 30 * 86400),
  }),
  define({
    key: 'maxUploadBytes',
    env: 'SQUISH_MAX_UPLOAD_BYTES',
    fallback: 32 * 1024 * 1024,
    defaultText: '33554432 (32 MiB)',
    description: 'Largest accepted input, uploaded or fetched; larger ones get 413.',
    parse: integer(1024, 1024 * 1024 * 1024),
  }),
  define({
    key: 'uploadMemoryBytes',
    env: 'SQUISH_UPLOAD_MEMORY_BYTES',
    // A quarter of the memory, and room for two uploads at the limit whatever it is.
    fallback: (config) => Math.max(Math.floor(availableMemory() / 4), 2 * (config.maxUploadBytes ?? 0)),
    defaultText: "a quarter of the memory (the container's limit when lower)",
    description:
      'Most upload bytes an API process holds at once (uploads in flight, and `wait` uploads until answered); past it, uploads get 503 with Retry-After. At least `SQUISH_MAX_UPLOAD_BYTES`.',
    parse: integer(1024 * 1024, Number.MAX_SAFE_INTEGER),
  }),
  define({
    key: 'workerConcurrency',
    env: 'SQUISH_WORKER_CONCURRENCY',
    flag: 'concurrency',
    fallback: availableParallelism(),
    defaultText: 'number of cores',
    description: 'Images a worker optimizes at once, one engine process each.',
    parse: integer(1, 256),
  }),
  define({
    key: 'waitTimeoutSeconds',
    env: 'SQUISH_WAIT_TIMEOUT',
    fallback: 300,
    defaultText: '300',
    description: 'Longest a `wait: true` request is held before it is answered with an error.',
    parse: integer(1, 3600),
  }),
  define({
    key: 'allowPrivateNetworks',
    env: 'SQUISH_ALLOW_PRIVATE_NETWORKS',
    fallback: false,
    defaultText: '0',
    description:
      'Let image URLs and callbacks reach loopback and private addresses. For tests and closed networks only; logged loudly.',
    parse: flag,
  }),
  define({
    key: 'fetchTimeoutSeconds',
    env: 'SQUISH_FETCH_TIMEOUT',
    fallback: 30,
    defaultText: '30',
    description: 'Time limit of one outbound fetch (image URL or callback), connection to last byte.',
    parse: integer(1, 600),
  }),
  define({
    key: 'shutdownTimeoutSeconds',
    env: 'SQUISH_SHUTDOWN_TIMEOUT',
    fallback: 30,
    defaultText: '30',
    description: 'On SIGTERM, how long running jobs may finish before they are handed back to the queue.',
    parse: integer(0, 3600),
  }),
  define({
    key: 'trustProxy',
    env: 'SQUISH_TRUST_PROXY',
    fallback: [],
    defaultText: 'empty',
    description:
      "Addresses or CIDR ranges of the load balancers in front of the API (`127.0.0.1,10.0.0.0/8`): their `X-Forwarded-For` is believed, so logs show the client's address. Empty: the peer address is the client.",
    parse: (raw) => {
      const list = raw
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean);
      for (const entry of list) {
        if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(entry)) {
          throw new Error(`expected IP addresses or CIDR ranges, got ${JSON.stringify(entry)}`);
        }
      }
      return list;
    },
  }),
  define({
    key: 'logLevel',
    env: 'SQUISH_LOG_LEVEL',
    flag: 'log-level',
    fallback: 'info',
    defaultText: '`info`',
    description: `Log level: ${LOG_LEVELS.join(', ')}. Logs are JSON lines on stderr; each finished job's line (\`optimize job done\`) says where its time went: \`queuedMs\`, \`inputMs\`, \`engineMs\` (the engine's own work is \`ms\`), \`storeMs\`, \`recordMs\`.`,
    parse: (raw) => {
      if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
        throw new Error(`expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw)}`);
      }
      return raw as ServeConfig['logLevel'];
    },
  }),
] as const satisfies readonly SettingDescriptor<keyof ServeConfig>[];

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
