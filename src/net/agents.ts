import { Agent } from 'undici';
import { guardedLookup } from './guarded-lookup.js';

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
export function outboundAgent(allowPrivateNetworks: boolean): Agent {
  if (allowPrivateNetworks) {
    unguarded ??= new Agent({ connect: { timeout: CONNECT_TIMEOUT_MS } });
    return unguarded;
  }
  guarded ??= new Agent({ connect: { timeout: CONNECT_TIMEOUT_MS, lookup: guardedLookup } });
  return guarded;
}

/** Closes the pooled connections (graceful shutdown); later calls open new pools. */
export async function closeOutboundAgents(): Promise<void> {
  const agents = [guarded, unguarded].filter((agent): agent is Agent => agent !== undefined);
  guarded = undefined;
  unguarded = undefined;
  await Promise.all(agents.map((agent) => agent.close()));
}
