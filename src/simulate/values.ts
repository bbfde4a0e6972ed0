// Addresses, MACs and nft symbols as numbers, so the evaluator compares one kind of thing: a
// packet field's number against an element, prefix or range of the model. No I/O.
import { PROTOCOLS } from '../data/protocols.js';
import { ICMP_TYPES } from '../data/icmp-types.js';

/** IPv4 / IPv6 text → number; undefined when it is not an address. */
export function ipNumber(text: string): { family: 4 | 6; n: bigint } | undefined {
  if (text.includes(':')) {
    const v6 = ipv6Number(text);
    return v6 === undefined ? undefined : { family: 6, n: v6 };
  }
  const v4 = ipv4Number(text);
  return v4 === undefined ? undefined : { family: 4, n: v4 };
}

function ipv4Number(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = (n << 8n) | BigInt(Number(p));
  }
  return n;
}

function ipv6Number(text: string): bigint | undefined {
  let s = text;
  // an embedded IPv4 tail (::ffff:192.0.2.1) becomes two groups
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail) {
    const v4 = ipv4Number(tail[1]!);
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, tail.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const split = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const head = split(halves[0]!);
  const rest = halves.length === 2 ? split(halves[1]!) : [];
  const fill = 8 - head.length - rest.length;
  if (halves.length === 1 ? head.length !== 8 : fill < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...rest];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

export function macNumber(text: string): bigint | undefined {
  const m =
    /^([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2}):([0-9a-f]{1,2})$/i.exec(
      text,
    );
  if (!m) return undefined;
  return m.slice(1).reduce((n, b) => (n << 8n) | BigInt(parseInt(b, 16)), 0n);
}

/** The address range a prefix covers. */
export function prefixRange(family: 4 | 6, n: bigint, len: number): [bigint, bigint] {
  const bits = BigInt(family === 4 ? 32 : 128);
  const host = bits - BigInt(len);
  const lo = (n >> host) << host;
  return [lo, lo | ((1n << host) - 1n)];
}

/** Bits of `ct state` (nf_conntrack_common.h as nft numbers them). */
export const CT_STATE: Record<string, number> = {
  invalid: 1,
  established: 2,
  related: 4,
  new: 8,
  untracked: 64,
};
export const TCP_FLAG: Record<string, number> = {
  fin: 1,
  syn: 2,
  rst: 4,
  psh: 8,
  ack: 16,
  urg: 32,
  ecn: 64,
  cwr: 128,
};
export const PKTTYPE: Record<string, number> = { host: 0, broadcast: 1, multicast: 2, other: 3 };
export const NFPROTO: Record<string, number> = { ipv4: 2, ipv6: 10, bridge: 7, inet: 1 };
export const FIB_TYPE: Record<string, number> = {
  unspec: 0,
  unicast: 1,
  local: 2,
  broadcast: 3,
  anycast: 4,
  multicast: 5,
  blackhole: 6,
  unreachable: 7,
  prohibit: 8,
};
export const ETHERTYPE: Record<string, number> = {
  ip: 0x0800,
  arp: 0x0806,
  ip6: 0x86dd,
  '8021q': 0x8100,
  '8021ad': 0x88a8,
  vlan: 0x8100,
};

const INET_PROTO = new Map<string, number>([
  ...PROTOCOLS.map((p) => [p.nft, p.number] as const),
  ...PROTOCOLS.map((p) => [p.name, p.number] as const),
  ['icmpv6', 58],
]);
export const inetProto = (name: string): number | undefined => INET_PROTO.get(name);

const ICMP_BY_NAME = new Map<string, number>();
for (const t of ICMP_TYPES)
  if (typeof t.nftType === 'string' && t.type !== null && t.nftCode === undefined)
    ICMP_BY_NAME.set(`${t.family}/${t.nftType}`, t.type);
/** nft's name of an ICMP / ICMPv6 type → number. */
export function icmpTypeNumber(family: 'icmp' | 'icmpv6', name: string): number | undefined {
  return ICMP_BY_NAME.get(`${family}/${name}`);
}
