// detectLocalNetwork: pve-firewall's `local_network` auto-detection (FW.pm:local_network): the
// node's IP, then the first non-default route that contains it; fallback 127.0.0.0/8. Reads /proc.
import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { isIPv4, isIPv6 } from 'node:net';
import os from 'node:os';
import type * as ast from '../syntax/ast.js';
import type { Cidr } from '../resolve/ir.js';

export interface DetectOptions {
  routeV4?: string;
  routeV6?: string;
  /** Host name → address; defaults to dns.lookup (getaddrinfo, /etc/hosts first on PVE). */
  resolve?: (name: string) => Promise<string>;
  readText?: (path: string) => Promise<string>;
  /** /proc/net/route prints addresses in host byte order. */
  endianness?: 'LE' | 'BE';
}

/** pve-firewall's fallback when nothing is found (FW.pm enable_host_firewall: `|| '127.0.0.0/8'`). */
export const LOOPBACK_NET: Cidr = { family: 4, addr: '127.0.0.0', len: 8 };

/** pve-common's $ipv4_mask_hash_localnet (Network.pm): only these route masks count. */
const MIN_V4_LEN = 8;
const MAX_V4_LEN = 32;

export async function detectLocalNetwork(
  nodeName: string,
  corosync: ast.CorosyncConf | null,
  options: DetectOptions = {},
): Promise<Cidr[]> {
  const resolve = options.resolve ?? (async (name: string) => (await lookup(name)).address);
  const readText = options.readText ?? ((p: string) => readFile(p, 'utf8'));
  const ip = await nodeIp(nodeName, corosync, resolve);
  if (ip === null) return [LOOPBACK_NET];
  const v4 = isIPv4(ip);
  const text = await readText(
    v4 ? (options.routeV4 ?? '/proc/net/route') : (options.routeV6 ?? '/proc/net/ipv6_route'),
  ).catch(() => '');
  const routes = v4
    ? parseRouteV4(text, options.endianness ?? os.endianness())
    : parseRouteV6(text);
  const target = toBigInt(ip);
  for (const route of routes) {
    if (contains(route, target)) return [route];
  }
  return [LOOPBACK_NET];
}

/** PVE::Cluster::remote_node_ip: the node's corosync address, else what its name resolves to. */
async function nodeIp(
  nodeName: string,
  corosync: ast.CorosyncConf | null,
  resolve: (name: string) => Promise<string>,
): Promise<string | null> {
  const entry = corosync?.nodes.find((n) => n.name === nodeName);
  const candidate = entry?.links[0]?.address ?? nodeName;
  if (isIPv4(candidate) || isIPv6(candidate)) return candidate;
  try {
    const address = await resolve(candidate);
    return isIPv4(address) || isIPv6(address) ? address : null;
  } catch {
    return null;
  }
}

// /proc/net/route: `Iface Destination Gateway Flags RefCnt Use Metric Mask …`, hex, host order.
function parseRouteV4(text: string, endianness: 'LE' | 'BE'): Cidr[] {
  const out: Cidr[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || !/^[0-9A-Fa-f]{8}$/.test(f[1]!) || !/^[0-9A-Fa-f]{8}$/.test(f[7]!))
      continue;
    const dest = hexV4(f[1]!, endianness);
    const len = maskLength(hexV4(f[7]!, endianness));
    if (len === null || len < MIN_V4_LEN || len > MAX_V4_LEN) continue; // default route, odd masks
    out.push({ family: 4, addr: dest, len });
  }
  return out;
}

// /proc/net/ipv6_route: `dest(32 hex) prefixlen(hex) src srclen nexthop metric ref use flags iface`.
function parseRouteV6(text: string): Cidr[] {
  const out: Cidr[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !/^[0-9a-fA-F]{32}$/.test(f[0]!)) continue;
    const len = parseInt(f[1]!, 16);
    // Skip the default route (as pve-firewall) and host routes: the local table lists the node's
    // own address as /128, which pve-firewall would take (a quirk, not a network).
    if (!(len > 0 && len < 128)) continue;
    const groups = f[0]!.match(/.{4}/g)!.map((g) => g.replace(/^0{1,3}/, ''));
    out.push({ family: 6, addr: compressV6(groups.join(':')), len });
  }
  return out;
}

function hexV4(hex: string, endianness: 'LE' | 'BE'): string {
  const bytes = hex.match(/../g)!.map((b) => parseInt(b, 16));
  return (endianness === 'LE' ? bytes.reverse() : bytes).join('.');
}

function maskLength(mask: string): number | null {
  const bits = mask
    .split('.')
    .map((o) => Number(o).toString(2).padStart(8, '0'))
    .join('');
  return /^1*0*$/.test(bits) ? (bits.indexOf('0') < 0 ? 32 : bits.indexOf('0')) : null;
}

function compressV6(full: string): string {
  // The longest run of zero groups becomes `::` (RFC 5952), as in the rest of the IR.
  const groups = full.split(':');
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < groups.length; i++) {
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
  }
  if (best < 0) return full;
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function toBigInt(ip: string): bigint {
  if (isIPv4(ip)) return ip.split('.').reduce((n, o) => (n << 8n) | BigInt(Number(o)), 0n);
  const [head = '', tail = ''] = ip.includes('::') ? ip.split('::') : [ip, ''];
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const last = t.length > 0 ? t : h;
  if (last.length > 0 && isIPv4(last[last.length - 1]!)) {
    // an embedded IPv4 tail (::ffff:192.0.2.1) counts as two groups
    const v4 = last.pop()!.split('.').map(Number);
    last.push(((v4[0]! << 8) | v4[1]!).toString(16), ((v4[2]! << 8) | v4[3]!).toString(16));
  }
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function contains(net: Cidr, ip: bigint): boolean {
  const bits = net.family === 4 ? 32 : 128;
  const shift = BigInt(bits - net.len);
  return toBigInt(net.addr) >> shift === ip >> shift;
}

/** The short host name (`pve1` of `pve1.example.com`): PVE's node name, `--node`'s default. */
export function shortHostname(hostname: string = os.hostname()): string {
  return hostname.split('.')[0] ?? hostname;
}
