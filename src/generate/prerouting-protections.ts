// What PF puts in its raw PREROUTING chain (SYN-flood meter, conntrack helpers), added to one of
// fwgen's tables. PF compiles that chain whenever the cluster firewall is on, whatever host
// `enable` says and whether or not a guest is filtered (docs/reference.md §pve-protections), and
// it sees bridged traffic through br_netfilter: so the inet table carries it for host and routed
// traffic, the bridge table for bridged traffic, and each is made for these chains alone when it
// has nothing else to do.
import type * as ir from '../resolve/ir.js';
import type * as nft from '../nft/model.js';
import { conntrackHelperParts } from './conntrack-helpers.js';
import type { TableKind } from './rule-stmts.js';
import { synfloodParts } from './synflood.js';

/** `table` with the protections added (in place: it was just built), a table of its own when
 * `table` is null and there is something to add, else null. */
export function withPreroutingProtections(
  table: nft.Table | null,
  ref: { family: TableKind; name: string },
  options: ir.HostOptions,
): nft.Table | null {
  const synflood = synfloodParts(options);
  const helpers = conntrackHelperParts(options, ref.family);
  if (synflood === null && helpers === null) return table;
  const t = table ?? { family: ref.family, name: ref.name, sets: [], maps: [], chains: [] };
  // First in the table: these chains run first on their hook, and the listing reads that way.
  if (helpers !== null) t.ctHelpers = [...helpers.ctHelpers, ...(t.ctHelpers ?? [])];
  if (synflood !== null) t.sets = [...synflood.sets, ...t.sets];
  t.chains = [
    ...(synflood !== null ? [synflood.chain] : []),
    ...(helpers !== null ? [helpers.chain] : []),
    ...t.chains,
  ];
  return t;
}
