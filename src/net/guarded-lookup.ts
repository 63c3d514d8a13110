import { type LookupAddress, type LookupAllOptions, type LookupOptions, lookup } from 'node:dns';
import { isPublicAddress } from './address-check.js';
import { refusedAddress } from './check-url.js';

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `dns.lookup` replacement for sockets: it resolves the name and refuses it when ANY address
 * it resolves to is not public (one private answer among public ones is how DNS rebinding hides),
 * then hands the vetted addresses to the socket. Given to the undici Agent as `connect.lookup`,
 * so the address checked is the address connected: there is no second resolution in between.
 *
 * A refusal is reported as a SquishError URL_NOT_ALLOWED.
 */
export function guardedLookup(
  hostname: string,
  options: LookupOptions | LookupAllOptions,
  callback: LookupCallback,
): void {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) {
      callback(error, []);
      return;
    }
    const refused = addresses.find((entry) => !isPublicAddress(entry.address));
    if (refused) {
      // The socket reports this error as the connection's failure; the client finds the
      // SquishError in it and passes it on as it is.
      callback(refusedAddress(refused.address, hostname) as NodeJS.ErrnoException, []);
      return;
    }
    if (options.all) {
      callback(null, addresses);
      return;
    }
    const first = addresses[0];
    if (!first) {
      callback(Object.assign(new Error(`No address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      return;
    }
    callback(null, first.address, first.family);
  });
}

/**
 * Resolves a host name and refuses it when any of its addresses is not public: the check done
 * before a request starts, for a clear error without opening a connection. The connection itself
 * is guarded again by {@link guardedLookup}.
 */
export function assertPublicHost(hostname: string): Promise<void> {
  return new Promise((resolve, reject) => {
    guardedLookup(hostname, { all: true }, (error) => (error ? reject(error) : resolve()));
  });
}
