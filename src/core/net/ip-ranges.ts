import net from 'node:net';

/**
 * Address ranges that are not the public internet: loopback, private (RFC 1918, ULA), link-local (cloud
 * metadata lives at 169.254.169.254), CGNAT, unspecified, multicast, reserved and documentation ranges.
 */
const NON_PUBLIC = new net.BlockList();
for (const [addr, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(addr, prefix, 'ipv4');
}
for (const [addr, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(addr, prefix, 'ipv6');
}

const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** `::ffff:10.0.0.1` and `::ffff:a00:1` → `10.0.0.1`; other addresses unchanged. Brackets are dropped. */
export function unmapIPv4(address: string): string {
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (!net.isIPv6(a)) return a;
  // The WHATWG URL parser canonicalizes IPv6 (zeros compressed, embedded IPv4 in hex): one form to match.
  const canonical = new URL(`http://[${a}]/`).hostname.slice(1, -1);
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!hex?.[1] || !hex[2]) return canonical;
  const hi = Number.parseInt(hex[1], 16);
  const lo = Number.parseInt(hex[2], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function check(list: net.BlockList, address: string): boolean {
  const a = unmapIPv4(address);
  const family = net.isIP(a);
  if (family === 0) return false;
  return list.check(a, family === 4 ? 'ipv4' : 'ipv6');
}

/** True for an IP address (v4 or v6, IPv4-mapped included) outside every non-public range. Names → false. */
export function isPublicAddress(address: string): boolean {
  return net.isIP(unmapIPv4(address)) !== 0 && !check(NON_PUBLIC, address);
}

/**
 * True only for a loopback IP address (127.0.0.0/8, ::1, IPv4-mapped loopback). An address check, not a
 * string prefix: `127.evil.example` and `localhost.evil.example` are names, not loopback.
 */
export function isLoopbackAddress(address: string): boolean {
  return check(LOOPBACK, address);
}
