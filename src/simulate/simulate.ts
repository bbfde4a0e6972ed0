// simulate: a described packet (pve-firewall's simulate options plus IPv6, ICMP and
// MACs) → the packet with every default filled in, its path through the compiled ruleset and the
// verdict. Works on the nft model generateRuleset returns, never on the config. No I/O.
import { findProtocol } from '../data/protocols.js';
import type * as nft from '../nft/model.js';
import type * as ir from '../resolve/ir.js';
import { evaluatePath, scriptTables, type PathResult } from './evaluate.js';
import type { HostAddrs, Hop, Packet } from './packet.js';
import { icmpTypeNumber, ipNumber, macNumber } from './values.js';
import {
  DEFAULT_TOPOLOGY,
  pathHops,
  resolveZone,
  ZoneError,
  type Endpoint,
  type Topology,
} from './zones.js';

export { ZoneError } from './zones.js';

export interface SimulateRequest {
  from?: string;
  to?: string;
  protocol?: string;
  /** a port, or for icmp/icmpv6 a type name or number */
  dport?: string;
  sport?: string;
  source?: string;
  dest?: string;
  smac?: string;
  dmac?: string;
  /** the port the packet comes in on, instead of the `from` zone's (e.g. `bond0` for outside) */
  ifaceIn?: string;
  established?: boolean;
  host: HostAddrs;
  /** The host's MAC on the bridge (default 02:00:00:00:00:01). */
  hostMac?: string;
  topology?: Partial<Topology>;
}

export type Verdict = 'ACCEPT' | 'DROP' | 'REJECT';

export interface SimulateResult {
  packet: Packet;
  from: Endpoint;
  to: Endpoint;
  cast: 'unicast' | 'broadcast' | 'multicast' | 'flooded';
  hops: Hop[];
  path: PathResult;
  action: Verdict;
  /** assumptions and facts the verdict rests on, one sentence each */
  notes: string[];
}

/** Addresses and MACs of `outside` when none is given: documentation ranges, off any local net. */
export const OUTSIDE = { ip4: '198.51.100.1', ip6: '2001:db8:ffff::1', mac: '02:00:00:00:02:00' };
const DEFAULT_SPORT = 40000;
const DEFAULT_DPORT = 22;

export function simulate(
  config: ir.Config,
  script: nft.Script,
  req: SimulateRequest,
): SimulateResult {
  const topo: Topology = { ...DEFAULT_TOPOLOGY, ...req.topology };
  const from = resolveZone(req.from ?? 'outside', config, topo);
  const to = resolveZone(req.to ?? 'host', config, topo);
  if (req.ifaceIn !== undefined) {
    if (from.kind === 'host') throw new ZoneError('--iface-in needs a bridge port zone as --from');
    from.port = req.ifaceIn;
  }
  const notes: string[] = [];
  const packet = buildPacket(req, from, to, notes);
  const hostMac = req.hostMac ?? '02:00:00:00:00:01';
  const cast = castOf(packet.dmac, to, hostMac);
  const hops = pathHops(from, to, topo, cast);
  const tables = scriptTables(script);
  if (cast === 'flooded' && to.kind === 'host') {
    // the bridge floods an unknown unicast to its ports, never up to the host (not promiscuous)
    const bridgeOnly = hops.filter((h) => h.family === 'bridge' && h.hook === 'prerouting');
    const path = evaluatePath(tables, bridgeOnly, packet, req.host);
    notes.push(
      `the frame is not addressed to the host's MAC ${hostMac}: it never reaches the host`,
    );
    return { packet, from, to, cast, hops: bridgeOnly, path, action: 'DROP', notes };
  }
  const path = evaluatePath(tables, hops, packet, req.host);
  let action: Verdict;
  if (path.action === 'queue') {
    action = path.queueBypass === true ? 'ACCEPT' : 'DROP';
    const without = path.queueBypass === true ? 'accepted (bypass)' : 'dropped';
    notes.push(`queued to NFQUEUE: the IPS decides; with no reader it is ${without}`);
  } else action = path.action === 'accept' ? 'ACCEPT' : path.action === 'drop' ? 'DROP' : 'REJECT';
  return { packet, from, to, cast, hops, path, action, notes };
}

function castOf(
  dmac: string,
  to: Endpoint,
  hostMac: string,
): 'unicast' | 'broadcast' | 'multicast' | 'flooded' {
  const n = macNumber(dmac)!;
  if (n === 0xffffffffffffn) return 'broadcast';
  if ((n >> 40n) & 1n) return 'multicast';
  const own = to.kind === 'host' ? hostMac : to.mac;
  return own !== null && macNumber(own) === n
    ? 'unicast'
    : to.guest === null && to.kind === 'port'
      ? 'unicast'
      : 'flooded';
}

function buildPacket(req: SimulateRequest, from: Endpoint, to: Endpoint, notes: string[]): Packet {
  const protoName = req.protocol ?? 'tcp';
  const p = findProtocol(protoName);
  if (p === undefined) throw new ZoneError(`unknown protocol '${protoName}'`);
  const proto = p.number;
  const srcFam = req.source === undefined ? undefined : addrFamily(req.source, '--source');
  const dstFam = req.dest === undefined ? undefined : addrFamily(req.dest, '--dest');
  if (srcFam !== undefined && dstFam !== undefined && srcFam !== dstFam)
    throw new ZoneError('--source and --dest are of different IP families');
  let family: 4 | 6 = srcFam ?? dstFam ?? (proto === 58 ? 6 : 4);
  if (proto === 58 && family === 4) throw new ZoneError('icmpv6 needs IPv6 addresses');
  if (proto === 1 && family === 6) throw new ZoneError('icmp needs IPv4 addresses; use icmpv6');
  family = family as 4 | 6;
  const saddr = req.source ?? addrOf(from, family, req, '--source');
  const daddr = req.dest ?? addrOf(to, family, req, '--dest');

  let sport: number | null = null;
  let dport: number | null = null;
  let icmpType: number | null = null;
  let icmpCode: number | null = null;
  const hasPorts = [6, 17, 136, 132, 33].includes(proto);
  if (hasPorts) {
    sport = port(req.sport ?? String(DEFAULT_SPORT), '--sport');
    dport = port(req.dport ?? String(DEFAULT_DPORT), '--dport');
  } else if (proto === 1 || proto === 58) {
    const fam = proto === 1 ? 'icmp' : 'icmpv6';
    // TYPE or TYPE/CODE, TYPE a name or a number
    const [t = 'echo-request', c = '0'] = (req.dport ?? 'echo-request').split('/');
    icmpType = /^\d+$/.test(t) && Number(t) < 256 ? Number(t) : (icmpTypeNumber(fam, t) ?? null);
    if (icmpType === null) throw new ZoneError(`unknown ${fam} type '${t}'`);
    if (!/^\d+$/.test(c) || Number(c) > 255) throw new ZoneError(`invalid ${fam} code '${c}'`);
    icmpCode = Number(c);
    if (req.sport !== undefined) throw new ZoneError(`--sport makes no sense for ${fam}`);
  } else if (req.dport !== undefined || req.sport !== undefined)
    throw new ZoneError(`--dport/--sport need tcp, udp, udplite, sctp or dccp, not '${protoName}'`);

  const mcast = multicastMac(family, daddr, req.host);
  const smac = mac(
    req.smac ??
      from.mac ??
      (from.kind === 'host' ? (req.hostMac ?? '02:00:00:00:00:01') : OUTSIDE.mac),
    '--smac',
  );
  const dmac = mac(
    req.dmac ??
      mcast ??
      to.mac ??
      (to.kind === 'host' ? (req.hostMac ?? '02:00:00:00:00:01') : OUTSIDE.mac),
    '--dmac',
  );
  const ct = ctState(proto, icmpType, req.established === true);
  notes.push(CT_NOTES[ct]);
  return { family, proto, saddr, daddr, sport, dport, icmpType, icmpCode, smac, dmac, ct };
}

const CT_NOTES: Record<Packet['ct'], string> = {
  new: 'conntrack state new: the first packet of a connection (--established for later ones)',
  established: 'conntrack state established: a packet of a connection already seen both ways',
  related: 'conntrack state related: an ICMP error about a known connection',
  invalid:
    'conntrack state invalid: conntrack opens no connection for this ICMP type ' +
    '(errors without a known connection, replies without a request)',
  untracked: 'conntrack state untracked: conntrack skips neighbour discovery and MLD',
};

/** What conntrack makes of the packet (nf_conntrack_proto_icmp.c / _icmpv6.c): ICMP errors
 * belong to a connection or are invalid; only requests open one; ND and MLD are not tracked. */
export function ctState(
  proto: number,
  icmpType: number | null,
  established: boolean,
): Packet['ct'] {
  if (proto === 1 && icmpType !== null) {
    if ([3, 4, 5, 11, 12].includes(icmpType)) return established ? 'related' : 'invalid';
    if ([8, 13, 15, 17].includes(icmpType)) return established ? 'established' : 'new';
    // a reply (echo-reply …) is established with its request, else invalid
    return established ? 'established' : 'invalid';
  }
  if (proto === 58 && icmpType !== null) {
    if ([133, 134, 135, 136, 130, 131, 132, 143].includes(icmpType)) return 'untracked';
    if (icmpType < 128) return established ? 'related' : 'invalid';
    if (icmpType === 128 || icmpType === 139) return established ? 'established' : 'new';
    return established ? 'established' : 'invalid';
  }
  return established ? 'established' : 'new';
}

function addrFamily(text: string, flag: string): 4 | 6 {
  const a = ipNumber(text);
  if (a === undefined)
    throw new ZoneError(`invalid ${flag} '${text}', expected an IPv4 or IPv6 address`);
  return a.family;
}

function addrOf(ep: Endpoint, family: 4 | 6, req: SimulateRequest, flag: string): string {
  if (ep.kind === 'host') {
    const h = req.host.addrs.find((a) => a.family === family);
    if (h === undefined)
      throw new ZoneError(`no IPv${family} address known for the host: give ${flag}`);
    return h.addr;
  }
  if (ep.guest === null) return family === 4 ? OUTSIDE.ip4 : OUTSIDE.ip6;
  const a = family === 4 ? ep.ip4 : ep.ip6;
  if (a === null)
    throw new ZoneError(
      `no IPv${family} address known for ${ep.zone} (none in its config or ipfilter set): give ${flag}`,
    );
  return a;
}

function port(text: string, flag: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535)
    throw new ZoneError(`invalid ${flag} '${text}', expected a port number 0-65535`);
  return Number(text);
}

function mac(text: string, flag: string): string {
  if (macNumber(text) === undefined)
    throw new ZoneError(`invalid ${flag} '${text}', expected a MAC address`);
  return text.toLowerCase();
}

/** The destination MAC of an IP broadcast or multicast, or undefined for unicast. */
function multicastMac(family: 4 | 6, daddr: string, host: HostAddrs): string | undefined {
  const a = ipNumber(daddr)!.n;
  const hex = (n: bigint, bytes: number): string =>
    Array.from({ length: bytes }, (_, i) =>
      ((n >> BigInt(8 * (bytes - 1 - i))) & 0xffn).toString(16).padStart(2, '0'),
    ).join(':');
  if (family === 4) {
    if (a >> 28n === 0xen) return `01:00:5e:${hex(a & 0x7fffffn, 3)}`;
    if (a === 0xffffffffn) return 'ff:ff:ff:ff:ff:ff';
    for (const h of host.addrs) {
      if (h.family !== 4 || h.len >= 31) continue;
      const hb = (1n << BigInt(32 - h.len)) - 1n;
      if ((ipNumber(h.addr)!.n | hb) === a) return 'ff:ff:ff:ff:ff:ff';
    }
    return undefined;
  }
  if (a >> 120n === 0xffn) return `33:33:${hex(a & 0xffffffffn, 4)}`;
  return undefined;
}
