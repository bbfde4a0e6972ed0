// VNet firewall (`sdn/firewall/<vnet>.fw`, docs/reference.md §pve-forward-vnet): one chain
// per enabled VNet with its FORWARD rules and policy, reached through one verdict map keyed by
// bridge name, so a packet costs one lookup whatever the number of VNets. The bridge table judges
// frames bridged between the VNet's ports (bridge forward hook: after the sender's guest OUT
// chain in prerouting, before the receiver's guest IN chain in postrouting, so both still
// apply); the inet table judges traffic between the VNet and the host (input/output). Also the
// bridged mark that keeps bridged frames out of the host FORWARD rules under br_netfilter.
import type * as ir from '../resolve/ir.js';
import type * as nft from '../nft/model.js';
import { IpSets } from './ipsets.js';
import { names } from './names.js';
import {
  ACCEPT,
  DROP,
  anonSet,
  ctState,
  jump,
  logStmts,
  match,
  meta,
  payload,
  ruleRules,
  sym,
  verdict,
  type TableKind,
} from './rule-stmts.js';

const rule = (...stmts: nft.Stmt[]): nft.Rule => ({ stmts });

/** Neighbour discovery is untracked (never `ct state established`): without this a VNet with a
 * DROP policy would cut IPv6 between its guests, as ARP would IPv4. */
const NDP = ['nd-router-solicit', 'nd-router-advert', 'nd-neighbor-solicit', 'nd-neighbor-advert'];

/** The VNets the generator compiles, by name. */
export function enabledVnets(config: ir.Config): ir.Vnet[] {
  return config.vnets.filter((v) => v.enabled);
}

export interface VnetParts {
  map: nft.NamedMap;
  chains: nft.Chain[];
}

/** The map and one chain per enabled VNet for `table`; null when no VNet is enabled. */
export function vnetChains(config: ir.Config, table: TableKind, sets: IpSets): VnetParts | null {
  const vnets = enabledVnets(config);
  if (vnets.length === 0) return null;
  const chains: nft.Chain[] = [];
  const elements: nft.NamedMap['elements'] = [];
  for (const v of vnets) {
    const name = names.vnetChain(v.name);
    chains.push({ name, rules: vnetRules(config, v, table, sets) });
    elements.push({ key: { kind: 'str', value: v.name }, verdict: jump(name) });
  }
  return { map: { name: names.vnetByBridge, type: 'ifname', elements }, chains };
}

function vnetRules(config: ir.Config, v: ir.Vnet, table: TableKind, sets: IpSets): nft.Rule[] {
  const ratelimit = config.logRatelimit;
  const out: nft.Rule[] = [];
  // ARP is untracked and has no IP rules to meet (proxmox-firewall's before-bridge accepts it).
  if (table === 'bridge') out.push(rule(match(meta('protocol'), sym('arp')), verdict(ACCEPT)));
  out.push(rule(match(payload('icmpv6', 'type'), anonSet(NDP.map(sym))), verdict(ACCEPT)));
  out.push(rule(ctState('established', 'related'), verdict(ACCEPT)));
  if (!config.host.options.nfConntrackAllowInvalid)
    out.push(rule(ctState('invalid'), verdict(DROP)));
  for (const r of v.rules) {
    // The resolver refuses FORWARD REJECT (as pve-firewall does); the bridge forward hook could
    // not reject anyway (docs/reference.md §nft-bridge-reject).
    if (r.verdict === 'reject') throw new Error(`REJECT in VNet '${v.name}' FORWARD rules`);
    const chain =
      r.group !== null ? names.logChain.group(r.group, 'forward') : names.logChain.vnet(v.name);
    out.push(
      ...ruleRules(
        r,
        { table, ifaceKey: null, sets },
        {
          action: [verdict(r.verdict === 'accept' ? ACCEPT : DROP)],
          log:
            r.log !== null
              ? { vmid: 0, level: r.log, chain, message: names.ruleMessage(r.verdict) }
              : null,
          ratelimit,
        },
      ),
    );
  }
  out.push(
    ...forwardPolicy(v.policyForward, v.logLevelForward, names.logChain.vnet(v.name), ratelimit, [
      verdict(DROP),
    ]),
  );
  return out;
}

/**
 * The end of a forward chain: the policy, logged first when a level is set and the policy is not
 * ACCEPT (as fwgen's other policies: pve-firewall logs no ACCEPT policy). No noise filter: that
 * is pve-firewall's host/guest PVEFW-Drop, and proxmox-firewall's forward chains have none.
 * `reject` is what REJECT does where the hook allows it.
 */
export function forwardPolicy(
  policy: ir.Policy,
  level: number | null,
  chain: string,
  ratelimit: ir.LogRateLimit,
  reject: nft.Stmt[],
): nft.Rule[] {
  if (policy === 'ACCEPT') return [rule(verdict(ACCEPT))];
  const out: nft.Rule[] = [];
  if (level !== null)
    out.push(
      rule(...logStmts({ vmid: 0, level, chain, message: names.policyMessage(policy) }, ratelimit)),
    );
  out.push(rule(...(policy === 'REJECT' ? reject : [verdict(DROP)])));
  return out;
}

/**
 * What the bridge table adds: the `forward` base chain (the bridged mark when the inet table has
 * a forward chain, then the VNet dispatch), the mark's clearing on the way out, the VNets'
 * chains and sets. Null when there is nothing to add.
 */
export function bridgeForwardParts(
  config: ir.Config,
  opts: { bridgedMark: boolean; priority: number },
): { sets: nft.NamedSet[]; maps: nft.NamedMap[]; chains: nft.Chain[] } | null {
  const sets = new IpSets();
  const vnets = vnetChains(config, 'bridge', sets);
  if (vnets === null && !opts.bridgedMark) return null;
  const forward: nft.Rule[] = [];
  const chains: nft.Chain[] = [];
  if (opts.bridgedMark)
    forward.push({
      stmts: [{ kind: 'meta-mark-set', value: names.bridge.bridgedMark, or: true }],
      comment: 'bridged: not for the host FORWARD rules (br_netfilter)',
    });
  if (vnets !== null)
    forward.push({ stmts: [{ kind: 'vmap', key: meta('ibrname'), map: names.vnetByBridge }] });
  chains.push({
    name: names.bridge.forward,
    // Before br_netfilter's forward hook (priority -1), which runs the inet forward chain.
    base: { type: 'filter', hook: 'forward', priority: opts.priority, policy: 'accept' },
    rules: forward,
  });
  if (opts.bridgedMark)
    chains.push({
      name: names.bridge.bridgedClear,
      // A frame bridged in fwbr<vmid>i<n> keeps its mark through the veth pair into vmbr0; if the
      // host then routes it, the host FORWARD rules must see it.
      base: { type: 'filter', hook: 'postrouting', priority: 100, policy: 'accept' },
      rules: [
        {
          stmts: [
            { kind: 'meta-mark-set', value: 0xffffffff - names.bridge.bridgedMark, and: true },
          ],
        },
      ],
    });
  if (vnets !== null) chains.push(...vnets.chains);
  return {
    sets: sets.toNamedSets(),
    maps: vnets === null ? [] : [vnets.map],
    chains,
  };
}

/** Merges `parts` into the bridge table (`table` null: a table of their own). Sets both sides
 * name alike hold the same ipset (names are keyed by the IR's unique set keys). */
export function withBridgeForward(
  table: nft.Table | null,
  ref: { name: string },
  parts: ReturnType<typeof bridgeForwardParts>,
): nft.Table | null {
  if (parts === null) return table;
  const t = table ?? { family: 'bridge', name: ref.name, sets: [], maps: [], chains: [] };
  const have = new Set(t.sets.map((s) => s.name));
  t.sets = [...t.sets, ...parts.sets.filter((s) => !have.has(s.name))];
  t.maps = [...t.maps, ...parts.maps];
  t.chains = [...t.chains, ...parts.chains];
  return t;
}
