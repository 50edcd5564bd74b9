import type { FastifyRequest } from 'fastify';
import net from 'node:net';

/** What a session records about the client that opened it. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export function clientInfo(request: FastifyRequest): ClientInfo {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua.slice(0, 300) : null };
}

/** Drops the host part of an address: `203.0.113.7` → `203.0.113.x`, IPv6 keeps its /48. */
export function maskIp(ip: string | null): string | null {
  if (!ip) return null;
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (net.isIPv4(v4)) return `${v4.split('.').slice(0, 3).join('.')}.x`;
  if (net.isIPv6(ip)) {
    const groups = ip.split(':').filter(Boolean).slice(0, 3);
    return `${groups.join(':')}::x`;
  }
  return null;
}
