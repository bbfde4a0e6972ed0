// Random probes for the differential test (simulate vs the kernel lab): zones of the lab
// topology (test/netns/lab.sh), both families, tcp/udp/icmp/other protocols, ports and addresses
// taken from the ruleset (inside and just outside its sets and prefixes) or random, broadcast,
// multicast and flooded frames, new and established. Deterministic for a seed.
import type * as nft from '../../src/nft/model.js';
import type { SimulateRequest } from '../../src/simulate/simulate.js';
import { ipNumber, prefixRange } from '../../src/simulate/values.js';
import { LAB, type LabNode } from '../netns/lab.js';
import { LAB_HOST } from './model.js';

export interface Probe {
  id: number;
  src: LabNode;
  dst: LabNode;
  family: 4 | 6;
  proto: number;
  saddr: string;
  daddr: string;
  sport: number | null;
  dport: number | null;
  icmp_type: number | null;
  icmp_code: number | null;
  smac: string;
  dmac: string;
  est: boolean;
}

/** mulberry32: small, seedable */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function ipText(family: 4 | 6, n: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  const g = Array.from({ length: 8 }, (_, i) =>
    ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16),
  );
  return g
    .join(':')
    .replace(/(^|:)0(:0)+(:|$)/, '::')
    .replace(/^:::/, '::');
}

/** Addresses and ports the ruleset names: set elements and match values, their ends and the
 * addresses just outside them. */
export function interesting(script: nft.Script): {
  addrs: { 4: string[]; 6: string[] };
  ports: number[];
} {
  const a4 = new Set<string>();
  const a6 = new Set<string>();
  const ports = new Set<number>();
  const addRange = (lo: bigint, hi: bigint, family: 4 | 6): void => {
    const max = family === 4 ? 0xffffffffn : (1n << 128n) - 1n;
    const out = family === 4 ? a4 : a6;
    for (const n of [lo, hi, lo + (hi - lo) / 2n, hi + 1n, lo - 1n])
      if (n >= 0n && n <= max) out.add(ipText(family, n));
  };
  const visit = (v: nft.Value, portish: boolean): void => {
    switch (v.kind) {
      case 'sym': {
        const a = ipNumber(v.value);
        if (a) addRange(a.n, a.n, a.family);
        break;
      }
      case 'prefix': {
        const a = ipNumber(v.addr);
        if (a) addRange(...prefixRange(a.family, a.n, v.len), a.family);
        break;
      }
      case 'range':
        if (v.from.kind === 'num' && v.to.kind === 'num') {
          if (portish) for (const p of [v.from.value, v.to.value, v.to.value + 1]) ports.add(p);
        } else if (v.from.kind === 'sym' && v.to.kind === 'sym') {
          const lo = ipNumber(v.from.value);
          const hi = ipNumber(v.to.value);
          if (lo && hi) addRange(lo.n, hi.n, lo.family);
        }
        break;
      case 'num':
        if (portish) for (const p of [v.value, v.value + 1]) ports.add(p);
        break;
      case 'set':
        for (const e of v.elements) visit(e, portish);
        break;
      case 'concat':
        for (const e of v.values) visit(e, portish);
        break;
      default:
        break;
    }
  };
  for (const c of script.commands) {
    if (c.kind !== 'define-table') continue;
    for (const s of c.table.sets) for (const e of s.elements) visit(e, s.type === 'inet_service');
    for (const ch of c.table.chains)
      for (const r of ch.rules)
        for (const st of r.stmts)
          if (st.kind === 'match')
            visit(
              st.right,
              st.left.kind === 'payload' &&
                (st.left.field === 'dport' || st.left.field === 'sport'),
            );
  }
  return {
    addrs: { 4: [...a4], 6: [...a6] },
    ports: [...ports].filter((p) => p >= 1 && p <= 65535),
  };
}

const NODES: LabNode[] = ['host', 'outside', 'vm100', 'vm101', 'vm102', 'ct200'];
const ICMP4: readonly (readonly [number, number])[] = [
  [8, 0],
  [0, 0],
  [3, 4],
  [3, 1],
  [11, 0],
  [13, 0],
  [5, 0],
];
const ICMP6: readonly (readonly [number, number])[] = [
  [128, 0],
  [129, 0],
  [1, 0],
  [2, 0],
  [3, 0],
  [133, 0],
  [134, 0],
  [135, 0],
  [136, 0],
  [130, 0],
];

const SPECIAL4 = /^(0|127|22[4-9]|2[3-5]\d)\./;
const special = (family: 4 | 6, a: string): boolean =>
  family === 4 ? SPECIAL4.test(a) : /^(ff|fe80|::$|::1$)/i.test(a);

const hex2 = (b: number): string => b.toString(16).padStart(2, '0');
const macOf = (n: number, base: string): string =>
  `${base}:${[(n >> 16) & 255, (n >> 8) & 255, n & 255].map(hex2).join(':')}`;

/** In-subnet source addresses each node may use besides its own (the host gets static
 * neighbour entries for them, so its answers find their way). */
export function labNeighbours(probes: readonly Probe[]): { addr: string; mac: string }[] {
  const out = new Map<string, string>();
  for (const n of NODES)
    if (n !== 'host') {
      out.set(LAB[n].ip4, LAB[n].mac);
      out.set(LAB[n].ip6, LAB[n].mac);
    }
  for (const p of probes) {
    if (p.src === 'host' || out.has(p.saddr)) continue;
    const inNet = p.family === 4 ? p.saddr.startsWith('192.0.2.') : /^2001:db8::/.test(p.saddr);
    if (
      inNet &&
      !special(p.family, p.saddr) &&
      p.saddr !== LAB.host.ip4 &&
      p.saddr !== LAB.host.ip6
    )
      out.set(p.saddr, p.smac);
  }
  return [...out].map(([addr, mac]) => ({ addr, mac }));
}

export function generateProbes(script: nft.Script, count: number, seed: number): Probe[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const chance = (p: number): boolean => r() < p;
  const { addrs, ports } = interesting(script);
  const probes: Probe[] = [];
  const tuples = new Set<string>();
  let id = 0;
  while (probes.length < count) {
    const src = pick(NODES);
    const dst = pick(NODES.filter((n) => n !== src && !(src === 'host' && n === 'host')));
    const family: 4 | 6 = chance(0.5) ? 4 : 6;
    const ip = (n: LabNode): string => (family === 4 ? LAB[n].ip4 : LAB[n].ip6);
    const kind = r();
    let proto: number;
    let icmp: readonly [number, number] | null = null;
    if (kind < 0.4) proto = 6;
    else if (kind < 0.72) proto = 17;
    else if (kind < 0.92) {
      proto = family === 4 ? 1 : 58;
      icmp = pick(family === 4 ? ICMP4 : ICMP6);
    } else proto = family === 4 ? pick([2, 47]) : 47;
    const hasPorts = proto === 6 || proto === 17;
    const port = (): number =>
      chance(0.6) && ports.length > 0 ? pick(ports) : 1 + Math.floor(r() * 65535);
    const sport = hasPorts ? (chance(0.15) ? port() : 1024 + Math.floor(r() * 64000)) : null;
    const dport = hasPorts ? port() : null;

    // destination: the node's address, or (ports) broadcast, multicast, a flooded frame
    let daddr = ip(dst);
    let dmac = LAB[dst].mac;
    const cast = r();
    if (src !== 'host' && cast < 0.06) {
      daddr = family === 4 ? pick(['255.255.255.255', '192.0.2.255']) : 'ff02::1';
      dmac = family === 4 ? 'ff:ff:ff:ff:ff:ff' : '33:33:00:00:00:01';
    } else if (src !== 'host' && cast < 0.1) {
      daddr = family === 4 ? '224.0.0.1' : 'ff02::1';
      dmac = family === 4 ? '01:00:5e:00:00:01' : '33:33:00:00:00:01';
    } else if (src !== 'host' && dst !== 'host' && cast < 0.16) {
      dmac = macOf(id + 1, '02:77:00'); // nobody's: the bridge floods it
    } else if (dst !== 'host' && src !== 'host' && cast < 0.3 && addrs[family].length > 0) {
      daddr = pick(addrs[family]);
    }
    // source: the node's address, or (not the host) one the ruleset names
    let saddr = ip(src);
    if (src !== 'host' && chance(0.3) && addrs[family].length > 0) {
      const a = pick(addrs[family]);
      if (!(dst === 'host' && special(family, a)) && a !== LAB.host.ip4 && a !== LAB.host.ip6)
        saddr = a;
    }
    const smac =
      src === 'host' ? LAB.host.mac : chance(0.06) ? macOf(id + 1, '02:99:00') : LAB[src].mac;
    const estOk = hasPorts || (icmp !== null && (icmp[0] === 8 || icmp[0] === 128));
    const est = estOk && chance(0.25);
    if (src === 'host' && (special(family, daddr) || dmac !== LAB[dst].mac)) continue;

    // conntrack tuples must differ, or a later probe meets an earlier one's entry: addresses and
    // ports for tcp/udp, addresses alone for protocols conntrack knows no ports of (ICMP has
    // the probe's id)
    const key = hasPorts
      ? [family, proto, ...[`${saddr}#${sport}`, `${daddr}#${dport}`].sort()].join(' ')
      : icmp === null
        ? [family, proto, ...[saddr, daddr].sort()].join(' ')
        : null;
    if (key !== null) {
      if (tuples.has(key)) continue;
      tuples.add(key);
    }
    id++;
    probes.push({
      id,
      src,
      dst,
      family,
      proto,
      saddr,
      daddr,
      sport,
      dport,
      icmp_type: icmp?.[0] ?? null,
      icmp_code: icmp?.[1] ?? null,
      smac,
      dmac,
      est,
    });
  }
  return probes;
}

const PROTO_NAME: Record<number, string> = {
  6: 'tcp',
  17: 'udp',
  1: 'icmp',
  58: 'icmpv6',
  2: 'igmp',
  47: 'gre',
};

export function zoneOf(n: LabNode): string {
  if (n === 'host' || n === 'outside') return n;
  return `vmbr0/${LAB[n].port!}`;
}

export function simulateRequest(
  p: Probe,
  brNetfilter: boolean,
  plumbing: 'direct' | 'fwbr' = 'direct',
): SimulateRequest {
  return {
    from: zoneOf(p.src),
    to: zoneOf(p.dst),
    protocol: PROTO_NAME[p.proto]!,
    ...(p.dport !== null ? { dport: String(p.dport) } : {}),
    ...(p.sport !== null ? { sport: String(p.sport) } : {}),
    ...(p.icmp_type !== null ? { dport: `${p.icmp_type}/${p.icmp_code ?? 0}` } : {}),
    source: p.saddr,
    dest: p.daddr,
    smac: p.smac,
    dmac: p.dmac,
    established: p.est,
    host: LAB_HOST,
    hostMac: LAB.host.mac,
    topology: { brNetfilter, plumbing },
  };
}
