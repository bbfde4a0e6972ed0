// libvirtServices: host-table rules that let guests on libvirt-managed bridges reach libvirt's
// dnsmasq (DHCP, DHCPv6, DNS) and let its answers and router advertisements out. libvirt's
// nftables backend keeps such rules in its own `libvirt_network` table, which cannot override a
// drop in fwgen's table (every base chain on a hook must accept: nft-facts §5). Adds nothing else.
import type * as nft from '../nft/model.js';
import { names } from './names.js';
import { ACCEPT, anonSet, ctState, match, meta, num, payload, sym, verdict } from './rule-stmts.js';

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

/** Puts the rules into the host table of a generated script, right after its `ct state
 * established,related accept` (before user rules: `libvirt_services: 0` is the way to turn them
 * off). A script without a host table (host firewall off) is left as it is. */
export function addLibvirtServices(
  script: nft.Script,
  tableName: string,
  bridges: readonly string[],
): void {
  const rules = libvirtServices(bridges);
  for (const cmd of script.commands) {
    if (cmd.kind !== 'define-table' || cmd.table.family !== 'inet' || cmd.table.name !== tableName)
      continue;
    for (const [chainName, extra] of [
      [names.inet.input, rules.input],
      [names.inet.output, rules.output],
    ] as const) {
      const chain = cmd.table.chains.find((c) => c.name === chainName);
      if (!chain || extra.length === 0) continue;
      const established = chain.rules.findIndex((r) => isEstablished(r.stmts));
      chain.rules.splice(established + 1, 0, ...extra);
    }
  }
}

function isEstablished(stmts: nft.Stmt[]): boolean {
  const want = ctState('established', 'related');
  return (
    stmts.length === 2 &&
    JSON.stringify(stmts[0]) === JSON.stringify(want) &&
    stmts[1]?.kind === 'verdict' &&
    stmts[1].verdict.kind === 'accept'
  );
}
