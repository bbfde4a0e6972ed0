// Zones of `fwgen simulate` (pve-firewall's, plus NIC selection) → endpoints, and the
// hooks a packet between two endpoints passes on a Proxmox node: bridge hooks on each bridge it
// crosses (with the fwbr plumbing: the guest's firewall bridge, then vmbr0), IP hooks for the host.
// No I/O; unknown zones are ZoneError (a usage error for the CLI).
import type * as ir from '../resolve/ir.js';
import type { Hop } from './packet.js';

export class ZoneError extends Error {
  override readonly name = 'ZoneError';
}

export interface Endpoint {
  /** as written: `outside`, `vm100`, `vm100/net1`, `vmbr0/tap102i0`, `host` */
  zone: string;
  kind: 'host' | 'port';
  bridge: string | null;
  port: string | null;
  /** The guest behind the port, when it is one of the config's. */
  guest: ir.Guest | null;
  nic: ir.Nic | null;
  mac: string | null;
  ip4: string | null;
  ip6: string | null;
}

/** How guest ports reach vmbr0: directly, or through fwbr<vmid>i<n> (qemu-server's firewall
 * bridge: tap in fwbr, veth fwln<vmid>i<n> in fwbr / fwpr<vmid>p<n> in the NIC's bridge). */
export type Plumbing = 'direct' | 'fwbr';

export interface Topology {
  /** the uplink bridge and port of `outside` */
  uplink: { bridge: string; port: string };
  plumbing: Plumbing;
  /** br_netfilter on: bridged IP frames also pass the IP prerouting/forward/postrouting hooks */
  brNetfilter: boolean;
}

export const DEFAULT_TOPOLOGY: Topology = {
  uplink: { bridge: 'vmbr0', port: 'eth0' },
  plumbing: 'direct',
  brNetfilter: false,
};

const BRIDGE_RE = /^[a-zA-Z][a-zA-Z0-9]{0,9}$/;

/** Every zone the config knows, for the usage error. */
export function knownZones(config: ir.Config): string[] {
  const out = ['host', 'outside'];
  for (const g of config.guests) {
    const p = g.type === 'qemu' ? 'vm' : 'ct';
    out.push(`${p}${g.vmid}`);
    if (g.nics.length > 1) for (const n of g.nics) out.push(`${p}${g.vmid}/net${n.index}`);
  }
  out.push('BRIDGE/PORT');
  return out;
}

export function resolveZone(zone: string, config: ir.Config, topo: Topology): Endpoint {
  const none = { guest: null, nic: null, mac: null, ip4: null, ip6: null };
  if (zone === 'host')
    return { zone, kind: 'host', bridge: topo.uplink.bridge, port: null, ...none };
  if (zone === 'outside')
    return { zone, kind: 'port', bridge: topo.uplink.bridge, port: topo.uplink.port, ...none };
  const g = /^(vm|ct)(\d+)(?:\/net(\d+))?$/.exec(zone);
  if (g) {
    const vmid = Number(g[2]);
    const guest = config.guests.find(
      (x) => x.vmid === vmid && (x.type === 'qemu') === (g[1] === 'vm'),
    );
    if (guest === undefined) throw unknownZone(zone, config);
    const index = g[3] === undefined ? undefined : Number(g[3]);
    const sorted = [...guest.nics].sort((a, b) => a.index - b.index);
    const nic = index === undefined ? sorted[0] : sorted.find((n) => n.index === index);
    if (nic === undefined) throw unknownZone(zone, config);
    return guestEndpoint(zone, guest, nic, topo);
  }
  const bp = /^([^/]+)\/([^/]+)$/.exec(zone);
  if (bp && BRIDGE_RE.test(bp[1]!) && /^[^\s/:]{1,15}$/.test(bp[2]!)) {
    // a port of a known guest NIC is that guest, whatever the zone was called
    for (const guest of config.guests)
      for (const nic of guest.nics)
        if (nic.device === bp[2] && (nic.bridge ?? topo.uplink.bridge) === bp[1])
          return guestEndpoint(zone, guest, nic, topo);
    return { zone, kind: 'port', bridge: bp[1]!, port: bp[2]!, ...none };
  }
  throw unknownZone(zone, config);
}

function unknownZone(zone: string, config: ir.Config): ZoneError {
  return new ZoneError(`unknown zone '${zone}', expected ${knownZones(config).join(', ')}`);
}

function guestEndpoint(zone: string, guest: ir.Guest, nic: ir.Nic, topo: Topology): Endpoint {
  const pick = (family: 4 | 6): string | null => {
    const own = family === 4 ? nic.ip : nic.ip6;
    if (own !== null) return own;
    const cidrs = nic.ipfilter === null ? [] : family === 4 ? nic.ipfilter.v4 : nic.ipfilter.v6;
    // a single address, link-local last (it is there for the implicit ipfilter entries)
    const hosts = cidrs.filter((c) => c.len === (family === 4 ? 32 : 128));
    const global = hosts.find((c) => !c.addr.toLowerCase().startsWith('fe80:'));
    return (global ?? hosts[0])?.addr ?? null;
  };
  return {
    zone,
    kind: 'port',
    bridge: nic.bridge ?? topo.uplink.bridge,
    port: nic.device,
    guest,
    nic,
    mac: nic.mac,
    ip4: pick(4),
    ip6: pick(6),
  };
}

type PktType = Hop['pkttype'];

/** The bridges a port's frames cross before the NIC's bridge, with the fwbr plumbing. */
function fwbrOf(ep: Endpoint, topo: Topology): { fwbr: string; fwln: string; fwpr: string } | null {
  if (topo.plumbing !== 'fwbr' || ep.guest === null || ep.nic === null) return null;
  // qemu-server / pve-container plug the NIC into a firewall bridge when its firewall flag is
  // set, whatever the guest's own `enable` says
  if (!ep.nic.firewall) return null;
  const { vmid } = ep.guest;
  const n = ep.nic.index;
  return { fwbr: `fwbr${vmid}i${n}`, fwln: `fwln${vmid}i${n}`, fwpr: `fwpr${vmid}p${n}` };
}

/** The hooks from one endpoint to another, in the order the kernel runs them. */
export function pathHops(
  from: Endpoint,
  to: Endpoint,
  topo: Topology,
  cast: 'unicast' | 'broadcast' | 'multicast' | 'flooded',
): Hop[] {
  const rx: PktType =
    cast === 'broadcast' ? 'broadcast' : cast === 'multicast' ? 'multicast' : 'other';
  const hops: Hop[] = [];
  const bridgeCross = (br: string, iif: string, oif: string): void => {
    const note = `${br}: ${iif} -> ${oif}`;
    hops.push({
      family: 'bridge',
      hook: 'prerouting',
      iif,
      oif: null,
      ibr: br,
      obr: null,
      pkttype: rx,
      note,
    });
    if (topo.brNetfilter)
      hops.push({
        family: 'inet',
        hook: 'prerouting',
        iif: br,
        oif: null,
        ibr: null,
        obr: null,
        pkttype: rx,
        note: `${note} (br_netfilter)`,
      });
    hops.push({ family: 'bridge', hook: 'forward', iif, oif, ibr: br, obr: br, pkttype: rx, note });
    if (topo.brNetfilter)
      hops.push({
        family: 'inet',
        hook: 'forward',
        iif: br,
        oif: br,
        ibr: null,
        obr: null,
        pkttype: rx,
        note: `${note} (br_netfilter)`,
      });
    // br_forward runs postrouting without an input device
    hops.push({
      family: 'bridge',
      hook: 'postrouting',
      iif: null,
      oif,
      ibr: null,
      obr: br,
      pkttype: rx,
      note,
    });
    if (topo.brNetfilter)
      hops.push({
        family: 'inet',
        hook: 'postrouting',
        iif: null,
        oif: br,
        ibr: null,
        obr: null,
        pkttype: rx,
        note: `${note} (br_netfilter)`,
      });
  };
  // the way from a port to its bridge: [bridge, port] pairs, outermost last
  const legs = (ep: Endpoint): { br: string; port: string; up: string | null }[] => {
    const f = fwbrOf(ep, topo);
    if (f === null) return [{ br: ep.bridge!, port: ep.port!, up: null }];
    return [
      { br: f.fwbr, port: ep.port!, up: f.fwln },
      { br: ep.bridge!, port: f.fwpr, up: null },
    ];
  };

  if (from.kind === 'host' && to.kind === 'host') {
    const lo = (hook: 'output' | 'input'): Hop => ({
      family: 'inet',
      hook,
      iif: hook === 'input' ? 'lo' : null,
      oif: hook === 'output' ? 'lo' : null,
      ibr: null,
      obr: null,
      pkttype: 'host',
      note: 'loopback',
    });
    return [lo('output'), lo('input')];
  }
  if (to.kind === 'host') {
    const [first, second] = legs(from);
    if (second) bridgeCross(first!.br, first!.port, first!.up!);
    const last = second ?? first!;
    const pt: PktType = cast === 'unicast' ? 'host' : rx;
    const note = `${last.br}: ${last.port} -> host`;
    hops.push({
      family: 'bridge',
      hook: 'prerouting',
      iif: last.port,
      oif: null,
      ibr: last.br,
      obr: null,
      pkttype: pt,
      note,
    });
    hops.push({
      family: 'bridge',
      hook: 'input',
      iif: last.port,
      oif: null,
      ibr: last.br,
      obr: null,
      pkttype: pt,
      note,
    });
    hops.push({
      family: 'inet',
      hook: 'prerouting',
      iif: last.br,
      oif: null,
      ibr: null,
      obr: null,
      pkttype: pt,
      note: `host: in on ${last.br}`,
    });
    hops.push({
      family: 'inet',
      hook: 'input',
      iif: last.br,
      oif: null,
      ibr: null,
      obr: null,
      pkttype: pt,
      note: `host: in on ${last.br}`,
    });
    return hops;
  }
  if (from.kind === 'host') {
    const l = legs(to);
    const outer = l[l.length - 1]!;
    const note = `${outer.br}: host -> ${outer.port}`;
    hops.push({
      family: 'inet',
      hook: 'output',
      iif: null,
      oif: outer.br,
      ibr: null,
      obr: null,
      pkttype: 'host',
      note: `host: out on ${outer.br}`,
    });
    hops.push({
      family: 'inet',
      hook: 'postrouting',
      iif: null,
      oif: outer.br,
      ibr: null,
      obr: null,
      pkttype: 'host',
      note: `host: out on ${outer.br}`,
    });
    hops.push({
      family: 'bridge',
      hook: 'output',
      iif: null,
      oif: outer.port,
      ibr: null,
      obr: outer.br,
      pkttype: 'host',
      note,
    });
    hops.push({
      family: 'bridge',
      hook: 'postrouting',
      iif: null,
      oif: outer.port,
      ibr: null,
      obr: outer.br,
      pkttype: 'host',
      note,
    });
    if (l.length === 2) bridgeCross(l[0]!.br, l[0]!.up!, l[0]!.port);
    return hops;
  }
  const a = legs(from);
  const b = legs(to);
  const aOuter = a[a.length - 1]!;
  const bOuter = b[b.length - 1]!;
  if (aOuter.br !== bOuter.br)
    throw new ZoneError(
      `${from.zone} (${aOuter.br}) and ${to.zone} (${bOuter.br}) are on different bridges; ` +
        'simulate follows one bridge',
    );
  if (a.length === 2) bridgeCross(a[0]!.br, a[0]!.port, a[0]!.up!);
  bridgeCross(aOuter.br, aOuter.port, bOuter.port);
  if (b.length === 2) bridgeCross(b[0]!.br, b[0]!.up!, b[0]!.port);
  return hops;
}
