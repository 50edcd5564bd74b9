import net from 'node:net';

/** The longest user agent an audit event keeps. */
export const USER_AGENT_MAX = 256;

/**
 * An address with its host part dropped: IPv4 keeps its /24 (`203.0.113.7` → `203.0.113.0`), IPv6
 * its /48 (`2001:db8:1:2::5` → `2001:db8:1::/48`); an IPv4-mapped IPv6 address counts as IPv4.
 * Anything that is not an address gives null.
 */
export function maskIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const v4 = mapped ? mapped[1] : ip;
  if (net.isIPv4(v4)) return `${v4.split('.').slice(0, 3).join('.')}.0`;
  const bare = ip.split('%')[0]; // zone id
  if (!net.isIPv6(bare)) return null;
  const groups = expandIpv6(bare);
  return `${groups
    .slice(0, 3)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/48`;
}

/** The eight 16-bit groups of an IPv6 address (hex strings), `::` expanded, a dotted tail converted. */
function expandIpv6(ip: string): string[] {
  let text = ip;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right];
}

export function truncateUserAgent(ua: string | null | undefined): string | null {
  if (!ua) return null;
  // Control characters never reach the log (CSV/terminal injection).
  let clean = '';
  for (const ch of ua) clean += ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f ? ' ' : ch;
  return clean.length > USER_AGENT_MAX ? clean.slice(0, USER_AGENT_MAX) : clean;
}

/** A key that names a secret: such keys are dropped from metadata, whatever their value. */
const SECRET_KEY =
  /(secret|token|passw(or)?d|passwd|pwd|api[_-]?key|apikey|authorization|cookie|credential|private[_-]?key|signature|otp|totp|recovery[_-]?code|client[_-]?secret|session[_-]?key|hash|pepper)/i;

/** A value that looks like a credential whatever its key: JWTs, bearer headers, Stripe/OpenAI keys, PEM keys. */
const SECRET_VALUE =
  /(^|\s)(bearer\s+\S+|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.|(sk|rk|pk|whsec)_(live|test)_[A-Za-z0-9]{8,}|sk-[A-Za-z0-9_-]{16,}|-----BEGIN [A-Z ]*PRIVATE KEY-----|gh[pousr]_[A-Za-z0-9]{20,}|xox[abpr]-[A-Za-z0-9-]{10,})/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function looksLikeSecret(value: string): boolean {
  return SECRET_VALUE.test(value);
}

/**
 * Metadata safe to store: keys naming a secret are dropped, values that look like credentials are
 * replaced by `[redacted]`, nesting is bounded (depth 4, 50 keys per object, 1,000 characters per
 * string), and only JSON values are kept.
 */
export function scrubMetadata(metadata: Record<string, unknown> | undefined): Record<string, unknown> {
  const out = scrub(metadata ?? {}, 0);
  return out && typeof out === 'object' && !Array.isArray(out) ? (out as Record<string, unknown>) : {};
}

function scrub(value: unknown, depth: number): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') {
    if (looksLikeSecret(value)) return '[redacted]';
    return value.length > 1000 ? value.slice(0, 1000) : value;
  }
  if (value instanceof Date) return value.toISOString();
  if (depth >= 4) return undefined;
  if (Array.isArray(value))
    return value
      .slice(0, 50)
      .map((v) => scrub(v, depth + 1))
      .filter((v) => v !== undefined);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>).slice(0, 50)) {
      if (isSecretKey(key)) continue;
      const clean = scrub(v, depth + 1);
      if (clean !== undefined) out[key] = clean;
    }
    return out;
  }
  return undefined;
}
