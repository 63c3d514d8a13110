/**
 * How the one guarded outbound client behaves: for image URLs (`fetchImage`) and callbacks
 * (`postJson`). The app builds it from the settings (SQUISH_ALLOW_PRIVATE_NETWORKS,
 * SQUISH_FETCH_TIMEOUT, the byte limit).
 */
export interface OutboundPolicy {
  /**
   * Lets requests reach loopback, private, link-local and other non-public addresses. Off by
   * default; meant for tests and closed networks. It skips only the address checks: the scheme,
   * credential, redirect, size and time rules still apply.
   */
  allowPrivateNetworks: boolean;
  /** Overall deadline of one call, redirects and body included. */
  timeoutMs: number;
  /** Largest response body accepted; a larger one is refused (INPUT_TOO_LARGE for images). */
  maxBytes: number;
  /** Redirects followed by `fetchImage` (default 5). */
  maxRedirects?: number;
  /** The User-Agent header sent (default "Squish"). */
  userAgent?: string;
}

export const DEFAULT_MAX_REDIRECTS = 5;
export const DEFAULT_USER_AGENT = 'Squish (+https://github.com/squish-images/squish)';
