/**
 * A test double of the platform's JobService for the Kraken route tests: the REAL engine runs
 * in-process (src/engine optimize) and records live in memory. The e2e suite runs the real
 * platform (queue, database, store, workers); this keeps the route tests small and fast.
 */
import { randomBytes } from 'node:crypto';
import type { JobService, SubmitJob } from '../../../src/api/job-service.js';
import { byteLengthOf, joinedBytes } from '../../../src/bytes/pieces.js';
import type { Account, AccountStatus, JobOutput, JobRecord } from '../../../src/db/records.js';
import { type EngineResult, optimize } from '../../../src/engine/index.js';
import { isSquishError, SquishError } from '../../../src/errors/index.js';

const EXTENSIONS = { jpeg: 'jpg', png: 'png', gif: 'gif', webp: 'webp', avif: 'avif', svg: 'svg' } as const;

export interface StoredBlob {
  bytes: Uint8Array;
  output: JobOutput;
}

export class InMemoryJobService implements JobService {
  readonly publicUrl = 'https://squish.test';
  readonly maxUploadBytes: number;
  readonly jobs = new Map<string, JobRecord>();
  readonly downloads = new Map<string, StoredBlob>();
  /** Every submitted job, as the routes built it. */
  readonly submitted: SubmitJob[] = [];
  /** Calls in order, to check what the routes ask before what. */
  readonly calls: string[] = [];
  private readonly accounts = new Map<string, { account: Account; secret: string }>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(options: { maxUploadBytes?: number } = {}) {
    this.maxUploadBytes = options.maxUploadBytes ?? 32 * 1024 * 1024;
  }

  addAccount(options: { quotaBytes?: number | null; status?: AccountStatus; usedBytes?: number } = {}): {
    apiKey: string;
    apiSecret: string;
    account: Account;
  } {
    const account: Account = {
      id: randomBytes(8).toString('hex'),
      name: 'test',
      apiKey: randomBytes(16).toString('hex'),
      quotaBytes: options.quotaBytes ?? null,
      usedBytes: options.usedBytes ?? 0,
      status: options.status ?? 'active',
      createdAt: new Date(),
    };
    const apiSecret = randomBytes(20).toString('hex');
    this.accounts.set(account.apiKey, { account, secret: apiSecret });
    return { apiKey: account.apiKey, apiSecret, account };
  }

  async authenticate(apiKey: string, apiSecret: string): Promise<Account> {
    this.calls.push('authenticate');
    const found = this.accounts.get(apiKey);
    if (!found || found.secret !== apiSecret || found.account.status === 'revoked') {
      throw new SquishError('UNAUTHORIZED');
    }
    if (found.account.status === 'suspended') throw new SquishError('ACCOUNT_SUSPENDED');
    return found.account;
  }

  async checkQuota(account: Account, dev: boolean): Promise<void> {
    this.calls.push('checkQuota');
    if (!dev && account.quotaBytes !== null && account.usedBytes >= account.quotaBytes) {
      throw new SquishError('QUOTA_EXCEEDED', 'The quota of this account is used up.');
    }
  }

  async submit(job: SubmitJob): Promise<JobRecord> {
    this.calls.push('submit');
    this.submitted.push(job);
    if (job.source.kind === 'upload' && byteLengthOf(job.source.bytes) > this.maxUploadBytes) {
      throw new SquishError('INPUT_TOO_LARGE');
    }
    const id = randomBytes(16).toString('hex');
    const source =
      job.source.kind === 'upload'
        ? {
            kind: 'upload' as const,
            blobKey: `inputs/${id}`,
            fileName: job.source.fileName,
            size: byteLengthOf(job.source.bytes),
          }
        : { kind: 'url' as const, url: job.source.url, fileName: job.source.fileName ?? 'image' };
    const record: JobRecord = {
      id,
      accountId: job.account.id,
      status: 'queued',
      source: { ...source, keepExtension: job.keepExtension },
      plan: job.plan,
      delivery: job.delivery,
      dev: job.dev,
      compat: job.compat,
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 3_600_000),
    };
    this.jobs.set(id, record);
    this.running.set(id, this.run(record, job));
    return structuredClone(record);
  }

  async waitForResult(id: string): Promise<JobRecord> {
    this.calls.push('waitForResult');
    await this.running.get(id);
    const job = this.jobs.get(id);
    if (!job) throw new SquishError('NOT_FOUND');
    return structuredClone(job);
  }

  downloadUrl(token: string, fileName: string): string {
    return `${this.publicUrl}/dl/${token}/${encodeURIComponent(fileName)}`;
  }

  /** The stored bytes behind a kraked_url. */
  download(krakedUrl: string): StoredBlob {
    const token = new URL(krakedUrl).pathname.split('/')[2] ?? '';
    const blob = this.downloads.get(token);
    if (!blob) throw new Error(`no download at ${krakedUrl}`);
    return blob;
  }

  private async run(record: JobRecord, job: SubmitJob): Promise<void> {
    try {
      const input =
        job.source.kind === 'upload' ? joinedBytes(job.source.bytes) : await fetchBytes(job.source.url);
      const result = await optimize(input, job.plan);
      const outputs = (result.outputs ?? [result]).map((output) => this.store(record, output, result));
      Object.assign(record, {
        status: 'done',
        result: {
          inputFormat: result.inputFormat,
          originalSize: result.originalSize,
          outputs,
          ms: result.ms,
        },
        finishedAt: new Date(),
      });
      if (!job.dev) job.account.usedBytes += result.originalSize;
    } catch (error) {
      const report = isSquishError(error)
        ? error.toReport()
        : { code: 'INTERNAL' as const, message: String(error) };
      Object.assign(record, { status: 'failed', error: report, finishedAt: new Date() });
    }
  }

  private store(record: JobRecord, output: EngineResult & { id?: string }, whole: EngineResult): JobOutput {
    const token = randomBytes(16).toString('hex');
    const base = record.source.fileName.replace(/\.[A-Za-z0-9]{1,5}$/, '');
    const fileName = record.source.keepExtension
      ? record.source.fileName
      : `${base}.${EXTENSIONS[output.format]}`;
    const stored: JobOutput = {
      ...(output.id === undefined ? {} : { setId: output.id }),
      token,
      blobKey: `results/${record.id}/${token}`,
      fileName,
      format: output.format,
      contentType: output.format === 'svg' ? 'image/svg+xml' : `image/${output.format}`,
      size: output.optimizedSize,
      width: output.width,
      height: output.height,
      originalSize: whole.originalSize,
      originalWidth: output.originalWidth,
      originalHeight: output.originalHeight,
      savedBytes: whole.originalSize - output.optimizedSize,
      etag: `"${token}"`,
      notes: output.notes,
    };
    this.downloads.set(token, { bytes: output.data, output: stored });
    return stored;
  }
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new SquishError('FETCH_FAILED');
  return new Uint8Array(await response.arrayBuffer());
}
