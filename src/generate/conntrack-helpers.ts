// Conntrack helpers (host option `nf_conntrack_helpers`): pve-firewall's raw PREROUTING
// `-p <proto> --dport <port> -j CT --helper <name>` (docs/reference.md §pve-protections)
// as `ct helper` objects and `ct helper set` in prerouting at priority 0, after conntrack (-200)
// has created the entry: the kernel has no automatic helper assignment any more, so without the
// rule a data connection is never `related` (kernel lab:
// test/kernel-lab/facts/parity-facts.sh helpers). A helper only marks
// flows: nothing here accepts, the control port still needs a rule and the data connection passes
// the existing `ct state established,related accept`.
import type * as nft from '../nft/model.js';
import type * as ir from '../resolve/ir.js';
import { names } from './names.js';
import { ctState, familyMatch, match, num, payload, type TableKind } from './rule-stmts.js';

interface HelperSpec {
  proto: 'tcp' | 'udp';
  port: number;
  /** PF attaches the helper only in the IP versions it lists (`$pve_fw_helpers`). */
  v6: boolean;
}

/** PF's `$pve_fw_helpers`: every helper is IPv4, some also IPv6. SIP is UDP only, as in PF. */
const HELPERS: Readonly<Record<string, HelperSpec>> = {
  amanda: { proto: 'udp', port: 10080, v6: true },
  ftp: { proto: 'tcp', port: 21, v6: true },
  irc: { proto: 'tcp', port: 6667, v6: false },
  'netbios-ns': { proto: 'udp', port: 137, v6: false },
  pptp: { proto: 'tcp', port: 1723, v6: false },
  sane: { proto: 'tcp', port: 6566, v6: true },
  sip: { proto: 'udp', port: 5060, v6: true },
  snmp: { proto: 'udp', port: 161, v6: false },
  tftp: { proto: 'udp', port: 69, v6: true },
};

/** The helper objects and the base chain that attaches them, for one table; null without
 * helpers. Sorted by name, each once (PF walks a Perl hash; the order cannot matter, each rule
 * matches its own port). */
export function conntrackHelperParts(
  options: ir.HostOptions,
  table: TableKind,
): { ctHelpers: nft.CtHelper[]; chain: nft.Chain } | null {
  const chosen = [...new Set(options.nfConntrackHelpers)].sort();
  const ctHelpers: nft.CtHelper[] = [];
  const rules: nft.Rule[] = [];
  for (const type of chosen) {
    const spec = HELPERS[type];
    // The resolver only lets PF's helper names through (src/data/options.ts).
    if (spec === undefined) throw new Error(`generator bug: unknown conntrack helper '${type}'`);
    const name = names.protect.ctHelper(type, spec.proto);
    ctHelpers.push({ name, type, protocol: spec.proto, l3proto: spec.v6 ? 'inet' : 'ip' });
    rules.push({
      stmts: [
        ...(spec.v6 ? [] : [familyMatch(table, 4)]),
        match(payload(spec.proto, 'dport'), num(spec.port)),
        ctState('new'),
        { kind: 'ct-helper-set', helper: name },
      ],
    });
  }
  if (rules.length === 0) return null;
  const chain: nft.Chain = {
    name: names.protect.ctHelpers,
    base: { type: 'filter', hook: 'prerouting', priority: 0, policy: 'accept' },
    rules,
  };
  return { ctHelpers, chain };
}
