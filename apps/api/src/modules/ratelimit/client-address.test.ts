import { describe, expect, it } from 'vitest';
import { clientAddressGroup } from './client-address.js';

describe('clientAddressGroup (the client a client_ip quota counts)', () => {
  it.each([
    ['IPv4 unchanged', '198.51.100.7', '198.51.100.7'],
    ['IPv4-mapped IPv6 → its IPv4 address', '::ffff:198.51.100.7', '198.51.100.7'],
    ['IPv4-mapped IPv6 in hex', '::ffff:c633:6407', '198.51.100.7'],
    ['IPv6 → its /64', '2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['IPv6, compressed, same /64', '2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['IPv6, leading zeros and upper case', '2001:0DB8:0001:0002::ffff', '2001:db8:1:2::/64'],
    ['IPv6 with :: in the prefix', '2001:db8::5', '2001:db8:0:0::/64'],
    ['IPv6 loopback', '::1', '0:0:0:0::/64'],
    ['IPv6 with a zone id', 'fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['not an address (kept as is)', 'unknown', 'unknown'],
  ])('%s', (_name, ip, group) => {
    expect(clientAddressGroup(ip)).toBe(group);
  });
});
