import ipaddr from 'ipaddr.js';

/**
 * Whether an IP address is a public unicast address that outbound requests may reach. Everything
 * else is refused: loopback, private (RFC 1918), link-local, carrier-grade NAT, unique-local,
 * unspecified (0.0.0.0/8, ::), broadcast, multicast, documentation, benchmarking and other
 * reserved ranges, 6to4 and Teredo tunnels (which can embed any IPv4 address). IPv6 forms that
 * embed an IPv4 address (IPv4-mapped ::ffff:a.b.c.d, IPv4-translated, IPv4-compatible ::a.b.c.d,
 * NAT64 64:ff9b::/96) are unwrapped and judged by the IPv4 address they carry.
 *
 * The classification is ipaddr.js's table of special ranges; only its "unicast" verdict (no
 * special range) passes. A string that is not an IP address is not public.
 */
export function isPublicAddress(address: string): boolean {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(stripBrackets(address));
  } catch {
    return false;
  }
  if (parsed.kind() === 'ipv4') return parsed.range() === 'unicast';
  const v6 = parsed as ipaddr.IPv6;
  const embedded = embeddedIPv4(v6);
  if (embedded) return embedded.range() === 'unicast';
  return v6.range() === 'unicast';
}

/** The IPv4 address carried by an IPv6 address in one of the embedding forms, if any. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const range = address.range();
  const parts = address.parts;
  const low = (): ipaddr.IPv4 =>
    new ipaddr.IPv4([parts[6]! >> 8, parts[6]! & 0xff, parts[7]! >> 8, parts[7]! & 0xff]);
  if (range === 'ipv4Mapped' || range === 'rfc6145') return low();
  // NAT64 well-known prefix 64:ff9b::/96 (RFC 6052). The local-use 64:ff9b:1::/48 (RFC 8215)
  // embeds addresses at network-specific offsets, so it is not unwrapped and stays refused.
  if (range === 'rfc6052' && parts[2] === 0 && parts.slice(3, 6).every((part) => part === 0)) return low();
  // IPv4-compatible ::a.b.c.d (deprecated, but still routed by some stacks); :: and ::1 excluded.
  if (parts.slice(0, 6).every((part) => part === 0) && range !== 'unspecified' && range !== 'loopback') {
    return low();
  }
  return undefined;
}

/** Whether a host string (as in a URL, brackets allowed) is a literal IP address. */
export function isIpLiteral(host: string): boolean {
  return ipaddr.isValid(stripBrackets(host));
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
