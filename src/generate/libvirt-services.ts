// libvirtServices: host-table rules that let guests on libvirt-managed bridges reach libvirt's
// dnsmasq (DHCP, DHCPv6, DNS) and let its answers and router advertisements out. libvirt's
// nftables backend keeps such rules in its own `libvirt_network` table, which cannot override a
// drop in fwgen's table (every base chain on a hook must accept: docs/reference.md
// §nft-base-chains). Adds nothing else.
import type * as nft from '../nft/model.js';
import type { ServiceAnchor } from './host-table.js';
import { ACCEPT, anonSet, match, meta, num, payload, sym, verdict } from './rule-stmts.js';

export interface LibvirtServiceRules {
  input: nft.Rule[];
  output: nft.Rule[];
}

export function libvirtServices(bridges: readonly string[]): LibvirtServiceRules {
  if (bridges.length === 0) return { input: [], output: [] };
  const ifaces = (key: 'iifname' | 'oifname'): nft.Stmt =>
    match(
      meta(key),
      anonSet([...new Set(bridges)].sort().map((value): nft.Value => ({ kind: 'str', value }))),
    );
  const udp = (sport: number, dport: number): nft.Stmt[] => [
    match(payload('udp', 'sport'), num(sport)),
    match(payload('udp', 'dport'), num(dport)),
  ];
  return {
    input: [
      { stmts: [ifaces('iifname'), ...udp(68, 67), verdict(ACCEPT)], comment: 'libvirt dhcp' },
      { stmts: [ifaces('iifname'), ...udp(546, 547), verdict(ACCEPT)], comment: 'libvirt dhcpv6' },
      {
        stmts: [
          ifaces('iifname'),
          match(meta('l4proto'), anonSet([sym('tcp'), sym('udp')])),
          match(payload('th', 'dport'), num(53)),
          verdict(ACCEPT),
        ],
        comment: 'libvirt dns',
      },
    ],
    output: [
      // DHCP answers go to the broadcast or offered address, which conntrack never saw asked.
      { stmts: [ifaces('oifname'), ...udp(67, 68), verdict(ACCEPT)], comment: 'libvirt dhcp' },
      { stmts: [ifaces('oifname'), ...udp(547, 546), verdict(ACCEPT)], comment: 'libvirt dhcpv6' },
      {
        stmts: [
          ifaces('oifname'),
          match(payload('icmpv6', 'type'), sym('nd-router-advert')),
          verdict(ACCEPT),
        ],
        comment: 'libvirt radv',
      },
    ],
  };
}

/** Puts the rules at the host table's service anchor: right after its `ct state
 * established,related accept`, before user rules (`libvirt_services: 0` is the way to turn them
 * off). */
export function addLibvirtServices(at: ServiceAnchor, bridges: readonly string[]): void {
  const rules = libvirtServices(bridges);
  for (const [point, extra] of [
    [at.input, rules.input],
    [at.output, rules.output],
  ] as const) {
    if (extra.length > 0) point.chain.rules.splice(point.index, 0, ...extra);
  }
}
