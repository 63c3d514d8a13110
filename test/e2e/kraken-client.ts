/**
 * The official `kraken` npm client (CommonJS), pointed at a Squish server as the compat spec's
 * section (c) shows: the same package a user installs, nothing patched.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** What the client resolves with: the server's JSON body (errors included, see spec B1.8). */
export type KrakenBody = Record<string, unknown> & { success?: boolean; message?: string };

export interface KrakenClient {
  upload(options: Record<string, unknown>): Promise<KrakenBody>;
  url(options: Record<string, unknown>): Promise<KrakenBody>;
  userStatus(): Promise<KrakenBody>;
  api: unknown;
}

interface KrakenModule {
  new (key: string, secret: string): KrakenClient;
  KrakenApiList: new (url?: string) => unknown;
}

export const Kraken = require('kraken') as KrakenModule;

/** A client for one key pair, talking to `baseUrl` (or to api.kraken.io when absent: proxy tests). */
export function krakenClient(key: { api_key: string; api_secret: string }, baseUrl?: string): KrakenClient {
  const client = new Kraken(key.api_key, key.api_secret);
  if (baseUrl) client.api = new Kraken.KrakenApiList(baseUrl);
  return client;
}

/**
 * The client's KrakenResponse wraps the body; its own fields are the body's. A plain object makes
 * deepEqual and spreading behave.
 */
export function plain(response: unknown): KrakenBody {
  return JSON.parse(JSON.stringify(response)) as KrakenBody;
}
