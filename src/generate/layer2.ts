// pve-firewall's layer-2 filter (ebtables, when cluster `ebtables` is not 0;
// compile_ebtables_filter, generate_tap_layer2filter; docs/decisions.md "layer 2"). In PF,
// ebtables accepts IPv4 and IPv6 frames before any guest rule (IP is left to iptables), then per
// guest port: source MAC (non-IP frames), ARP sender address, `layer2_protocols`.
import type * as ir from '../resolve/ir.js';
import type * as nft from '../nft/model.js';
import { ethertypeNft } from '../data/ethertypes.js';
import { anonSet, DROP, match, meta, payload, RETURN, sym, verdict } from './rule-stmts.js';

const IPV4 = 0x0800;
const IPV6 = 0x86dd;

/** Extra matches for the MAC filter rule: with `ebtables: 0` only PF's iptables MAC filter is
 * left, which sees IPv4 and IPv6 only. */
export function macFilterScope(ebtables: boolean): nft.Stmt[] {
  return ebtables ? [] : [match(meta('protocol'), anonSet([sym('ip'), sym('ip6')]))];
}

/** `layer2_protocols`: frames from the guest with another ethertype are dropped. IPv4 and IPv6
 * always pass (PF's ebtables accepts them first). The outer type counts: a VLAN-tagged frame is
 * `8021q` (measured: test/kernel-lab/facts/parity-facts.sh, section l2). Nothing with
 * `ebtables: 0` or without the option. */
export function layer2ProtocolRules(ebtables: boolean, opt: ir.GuestOptions): nft.Rule[] {
  if (!ebtables || opt.layer2Protocols === null) return [];
  const types = [...new Set([IPV4, IPV6, ...opt.layer2Protocols])].sort((a, b) => a - b);
  return [
    {
      stmts: [
        match(payload('ether', 'type'), anonSet(types.map((n) => sym(ethertypeNft(n)))), '!='),
        verdict(DROP),
      ],
    },
  ];
}

/** After the layer-2 part, frames that are neither IP nor ARP are done: in PF only ebtables sees
 * them (iptables gets IPv4/IPv6 only), so the IP rules and the policy must not judge them. They
 * have no conntrack entry, and `ct state invalid drop` would drop every one of them. Two compares,
 * not `!= { ip, ip6 }`: that anonymous set was one kernel set per guest port (issue 13). */
export function nonIpReturn(): nft.Rule {
  return {
    stmts: [
      match(meta('protocol'), sym('ip'), '!='),
      match(meta('protocol'), sym('ip6'), '!='),
      verdict(RETURN),
    ],
  };
}
