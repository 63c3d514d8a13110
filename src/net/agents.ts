import type { Agent } from 'undici';
import { guardedLookup } from './guarded-lookup.js';

/**
 * undici, imported with the first outbound request: a node that makes none (an API node taking
 * uploads, a worker without URL jobs) does not load it, about a tenth of a second of a start of
 * `squish serve` here.
 */
export const loadUndici = () => import('undici');

/** Longest wait for a TCP/TLS connection; the call's overall deadline may cut it shorter. */
const CONNECT_TIMEOUT_MS = 10_000;

let guarded: Agent | undefined;
let unguarded: Agent | undefined;

/**
 * The connection pool for outbound requests. Two pools exist at most, one per address policy,
 * so the guarded one never reuses a socket opened without the check. In the guarded pool every
 * connection resolves its host through {@link guardedLookup} (literal IP hosts do not resolve and
 * are checked by `checkUrlSyntax` before the request).
 */
export async function outboundAgent(allowPrivateNetworks: boolean): Promise<Agent> {
  const undici = await loadUndici();
  if (allowPrivateNetworks) {
    unguarded ??= new undici.Agent({ connect: { timeout: CONNECT_TIMEOUT_MS } });
    return unguarded;
  }
  guarded ??= new undici.Agent({ connect: { timeout: CONNECT_TIMEOUT_MS, lookup: guardedLookup } });
  return guarded;
}

/** Closes the pooled connections (graceful shutdown); later calls open new pools. */
export async function closeOutboundAgents(): Promise<void> {
  const agents = [guarded, unguarded].filter((agent): agent is Agent => agent !== undefined);
  guarded = undefined;
  unguarded = undefined;
  await Promise.all(agents.map((agent) => agent.close()));
}
