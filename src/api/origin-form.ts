/**
 * Turns a request target into the path the router matches. Clients configured through
 * `https_proxy` send absolute-form targets (`POST https://api.kraken.io/v1/url HTTP/1.1`, see
 * the compat spec section c), and a base URL with a trailing slash makes the kraken client
 * ask for `//v1/url`; both must reach the same routes as `/v1/url`.
 *
 * Hand-written: `new URL()` would read `//v1/url` as a URL whose host is `v1`.
 */
export function originFormTarget(target: string): string {
  let rest = target;
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(rest);
  if (absolute) rest = rest.slice(absolute[0].length);
  const queryStart = rest.search(/[?#]/);
  const path = queryStart === -1 ? rest : rest.slice(0, queryStart);
  const query = queryStart === -1 ? '' : rest.slice(queryStart);
  const normalized = path.replace(/\/{2,}/g, '/');
  return (normalized.startsWith('/') ? normalized : `/${normalized}`) + query;
}
