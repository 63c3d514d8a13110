/**
 * The steady stream of real optimization requests the cluster serves while parts of it are
 * killed: lanes that each send one kind of request (upload or URL, wait or callback) one after
 * the other through the load balancer, recording when each was sent and answered and how.
 * Each request carries an X-Cluster-Request id that nginx logs with the upstream that served it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type RequestKind = 'upload-wait' | 'url-wait' | 'upload-callback' | 'url-callback';
export const REQUEST_KINDS: readonly RequestKind[] = [
  'upload-wait',
  'url-wait',
  'upload-callback',
  'url-callback',
];

export interface RequestRecord {
  requestId: string;
  kind: RequestKind;
  image: string;
  lossy: boolean;
  phase: string;
  sentAt: number;
  answeredAt?: number;
  status?: number;
  /** The answer's JSON body. */
  body?: Record<string, unknown>;
  /** Network or client error (no HTTP answer). */
  error?: string;
}

export interface TrafficOptions {
  /** The load balancer's base URL. */
  baseUrl: string;
  key: { api_key: string; api_secret: string };
  /** Folder of the images (also served by the image server for URL requests). */
  imageDir: string;
  images: readonly string[];
  imageServerUrl: string;
  callbackUrl: string;
  /** Lanes per request kind. */
  lanesPerKind: number;
  /** Pause between two requests of a lane. */
  pauseMs: number;
  /** Client-side limit of one request (a wait request's whole optimization included). */
  requestTimeoutMs: number;
  /** The phase a request sent now belongs to. */
  phase(): string;
  /**
   * Resolves when the callback of a job has arrived (or the time is up): a callback lane sends its
   * next request only then, so that the lanes keep the queue short instead of flooding it.
   */
  callbackArrived(jobId: string, limitMs: number): Promise<void>;
}

/** Longest a callback lane waits for its callback before it sends the next request anyway. */
const CALLBACK_PACE_MS = 10_000;

export class Traffic {
  readonly records: RequestRecord[] = [];
  private stopped = false;
  private lanes: Promise<void>[] = [];
  private sequence = 0;
  private readonly imageBytes: Map<string, Buffer>;

  constructor(private readonly options: TrafficOptions) {
    this.imageBytes = new Map(
      options.images.map((name) => [name, readFileSync(path.join(options.imageDir, name))]),
    );
  }

  start(): void {
    for (const kind of REQUEST_KINDS) {
      for (let lane = 0; lane < this.options.lanesPerKind; lane++) this.lanes.push(this.runLane(kind, lane));
    }
  }

  /** Stops sending and resolves when every request sent has been answered (or has failed). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.lanes);
  }

  private async runLane(kind: RequestKind, lane: number): Promise<void> {
    // Lanes start spread out, so that requests do not arrive in bursts.
    await sleep((lane * REQUEST_KINDS.length + REQUEST_KINDS.indexOf(kind)) * 60);
    while (!this.stopped) {
      const record = await this.send(kind);
      const jobId = record.body?.id;
      if (kind.endsWith('-callback') && typeof jobId === 'string') {
        await this.options.callbackArrived(jobId, CALLBACK_PACE_MS);
      }
      await sleep(this.options.pauseMs);
    }
  }

  private async send(kind: RequestKind): Promise<RequestRecord> {
    const n = this.sequence++;
    const image = this.options.images[n % this.options.images.length]!;
    const lossy = n % 3 === 0;
    const record: RequestRecord = {
      requestId: `r${String(n).padStart(5, '0')}`,
      kind,
      image,
      lossy,
      phase: this.options.phase(),
      sentAt: Date.now(),
    };
    this.records.push(record);
    const options: Record<string, unknown> = { auth: this.options.key, lossy };
    if (kind.endsWith('-wait')) options.wait = true;
    else options.callback_url = this.options.callbackUrl;
    let init: RequestInit;
    let endpoint: string;
    if (kind.startsWith('upload')) {
      const form = new FormData();
      form.append('data', JSON.stringify(options));
      form.append('file', new Blob([this.imageBytes.get(image)!]), image);
      endpoint = '/v1/upload';
      init = { method: 'POST', body: form };
    } else {
      options.url = `${this.options.imageServerUrl}/${image}`;
      endpoint = '/v1/url';
      init = {
        method: 'POST',
        body: JSON.stringify(options),
        headers: { 'content-type': 'application/json' },
      };
    }
    try {
      const response = await fetch(`${this.options.baseUrl}${endpoint}`, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), 'x-cluster-request': record.requestId },
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      const text = await response.text();
      record.status = response.status;
      try {
        record.body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        record.body = { unparsable: text.slice(0, 200) };
      }
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      record.error = [(error as Error).name, cause?.code ?? cause?.message ?? (error as Error).message].join(
        ': ',
      );
    }
    record.answeredAt = Date.now();
    return record;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
