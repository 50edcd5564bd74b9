import dns from 'node:dns';
import net from 'node:net';
import { createRequire } from 'node:module';
import type { Agent } from 'undici';

// undici (CommonJS) is loaded by the first guarded request (an MCP tool server, an SSO issuer),
// not at import: most starts make none.
const require = createRequire(import.meta.url);
const undici = () => require('undici') as typeof import('undici');

/**
 * The SSRF guard of every URL a tenant names and the API connects to: tool servers (MCP) and
 * single sign-on issuers (OpenID discovery, JWKS, token and UserInfo endpoints). Unless private
 * networks are allowed, every address the host resolves to must be public — checked when the URL
 * is saved AND on every connection (a DNS answer that changes after the save is caught when the
 * socket is opened), and redirects are never followed.
 */

const blocked = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local (incl. fd00:ec2::254, the AWS IPv6 metadata address)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
  ['2001:db8::', 32], // documentation
  ['100::', 64], // discard
] as const) {
  blocked.addSubnet(prefix, bits, 'ipv6');
}

/** The IPv4 address embedded in an IPv4-mapped (::ffff:a.b.c.d), -compatible or NAT64 IPv6 address. */
function embeddedIpv4(ip: string): string | undefined {
  const lower = ip.toLowerCase();
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = Number.parseInt(hex[1], 16);
    const lo = Number.parseInt(hex[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return undefined;
}

/** True for loopback, private, link-local, metadata, multicast and reserved addresses. */
export function isBlockedAddress(ip: string): boolean {
  const family = net.isIP(ip);
  if (family === 4) return blocked.check(ip, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIpv4(ip);
    if (v4 !== undefined) return isBlockedAddress(v4);
    // ::ffff:0:0/96 written any other way is still IPv4-mapped: refuse rather than guess.
    if (/^::ffff:/i.test(ip)) return true;
    return blocked.check(ip, 'ipv6');
  }
  return true; // not an address at all
}

/** The host of a URL as an address literal ([::1] → ::1), or undefined for a name. */
function literalHost(hostname: string): string | undefined {
  const h = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return net.isIP(h) ? h : undefined;
}

export class BlockedAddressError extends Error {
  override name = 'BlockedAddressError';
}

export type Resolver = (hostname: string) => Promise<string[]>;

const systemResolver: Resolver = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Checks a URL before it is saved: its host and every address it resolves to must be public.
 * Throws BlockedAddressError (refused) or the resolver's error (the name does not resolve).
 */
export async function assertPublicUrl(url: string, resolve: Resolver = systemResolver): Promise<void> {
  const { hostname } = new URL(url);
  const literal = literalHost(hostname);
  const addresses = literal ? [literal] : await resolve(hostname);
  if (addresses.length === 0) throw new BlockedAddressError(`${hostname} does not resolve`);
  for (const address of addresses) {
    if (isBlockedAddress(address)) {
      throw new BlockedAddressError(`${hostname} resolves to a loopback, private or link-local address`);
    }
  }
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/** A `net.connect` lookup that refuses a blocked address in the answer (the check at connect time). */
function guardedLookup(hostname: string, options: dns.LookupOptions, callback: LookupCallback): void {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as dns.LookupAddress[];
    const bad = list.find((a) => isBlockedAddress(a.address));
    if (bad || list.length === 0) {
      const e = new BlockedAddressError(`${hostname} resolves to a loopback, private or link-local address`);
      return callback(Object.assign(e, { code: 'EBLOCKED' }), []);
    }
    if (options.all) return callback(null, list);
    return callback(null, list[0].address, list[0].family);
  });
}

export type GuardedFetch = typeof fetch;

/**
 * The fetch of every MCP connection and every request to an OpenID issuer. With `allowPrivate` false, a literal blocked address is refused
 * before connecting and every resolved address is checked when the socket opens; redirects are
 * never followed (a 3xx is an error), whatever `allowPrivate` says.
 */
export function createGuardedFetch(allowPrivate: boolean): GuardedFetch {
  let dispatcher: Agent | undefined;
  const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    if (!allowPrivate) {
      const literal = literalHost(url.hostname);
      if (literal && isBlockedAddress(literal)) {
        throw new BlockedAddressError(`${url.hostname} is a loopback, private or link-local address`);
      }
    }
    dispatcher ??= new (undici().Agent)({
      connect: allowPrivate ? {} : { lookup: guardedLookup as never },
      // A tool server may hold a request open while a tool runs; the call's timeout bounds it instead.
      bodyTimeout: 0,
      headersTimeout: 0,
    });
    const response = await undici().fetch(url, {
      ...(init as Record<string, unknown>),
      redirect: 'manual',
      dispatcher,
    } as never);
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => {});
      throw new Error(`${url.host} answered a redirect (${response.status}); redirects are not followed`);
    }
    return response as unknown as Response;
  };
  return guarded as GuardedFetch;
}
