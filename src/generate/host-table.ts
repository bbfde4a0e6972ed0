// `table inet <name>`: the host firewall, in pve-firewall's order (docs/reference.md
// §pve-host-chains), plus what only proxmox-firewall has: a forward chain for routed traffic (host
// and cluster FORWARD rules, `policy_forward`) when there is something to judge, and the VNets'
// chains for traffic between a VNet and the host (vnet-chains.ts). Bridged frames that
// br_netfilter passes through the forward hook carry the bridged mark and are let through
// (docs/reference.md §nft-br-netfilter).
import type * as ir from '../resolve/ir.js';
import type * as nft from '../nft/model.js';
import { Builtins, policyRules } from './builtins.js';
import { IpSets, cidrValue, sortCidrs } from './ipsets.js';
import { names } from './names.js';
import {
  ACCEPT,
  DROP,
  anonSet,
  ctState,
  jump,
  match,
  meta,
  num,
  payload,
  ipProto,
  ruleRules,
  sym,
  verdict,
  familyMatch,
  type MatchContext,
} from './rule-stmts.js';
import { forwardPolicy, vnetChains } from './vnet-chains.js';
import type { WarningSink } from './warning.js';

export interface HostTableOptions {
  name: string;
  inputPriority: number;
  outputPriority: number;
  forwardPriority: number;
}

/** A place in a chain where rules are inserted after the build: before `chain.rules[index]`. */
export interface InsertionPoint {
  chain: nft.Chain;
  index: number;
}

/** Right after `ct state established,related accept` of input and output, before everything that
 * can drop or reject: where libvirt's DHCP/DNS allowances go (libvirt-services.ts). */
export interface ServiceAnchor {
  input: InsertionPoint;
  output: InsertionPoint;
}

export interface HostTableBuilt {
  table: nft.Table;
  serviceAnchor: ServiceAnchor;
  /** True when the table has a forward chain: the bridge table must then mark bridged frames. */
  forward: boolean;
}

const rule = (...stmts: nft.Stmt[]): nft.Rule => ({ stmts });
const range = (from: number, to: number): nft.Value => ({
  kind: 'range',
  from: num(from),
  to: num(to),
});

/** PF management ports (docs/reference.md §pve-host-chains, IN step 9): SSH, SPICE proxy, VNC,
 * API/GUI, migration. */
const MANAGEMENT_PORTS_IN: nft.Value[] = [
  num(22),
  num(3128),
  range(5900, 5999),
  num(8006),
  range(60000, 60050),
];
/** PF outbound allowances to local_network (docs/reference.md §pve-host-chains, PF output). */
const MANAGEMENT_PORTS_OUT: nft.Value[] = [num(22), num(3128), range(5900, 5999), num(8006)];
const COROSYNC_PORTS = range(5404, 5405);

const NDP_IN = [
  'nd-router-solicit',
  'nd-router-advert',
  'nd-neighbor-solicit',
  'nd-neighbor-advert',
];
const NDP_OUT = ['nd-router-solicit', 'nd-neighbor-solicit', 'nd-neighbor-advert'];

/** What both chains share: the table's sets and built-in chains. */
interface HostParts {
  config: ir.Config;
  sets: IpSets;
  builtins: Builtins;
}

export function hostTable(
  config: ir.Config,
  opts: HostTableOptions,
  _warn: WarningSink,
): HostTableBuilt {
  const o = config.host.options;
  const t: HostParts = {
    config,
    sets: new IpSets(),
    builtins: new Builtins('inet', {
      ratelimit: config.logRatelimit,
      smurfLogLevel: o.smurfLogLevel,
      tcpFlagsLogLevel: o.tcpFlagsLogLevel,
      blacklistLogLevel: o.logLevelIn,
    }),
  };
  // Input first: the built-in chains and shared sets are numbered by first use.
  const input = inputRules(t);
  const output = outputRules(t);
  const inputChain: nft.Chain = {
    name: names.inet.input,
    base: { type: 'filter', hook: 'input', priority: opts.inputPriority, policy: 'accept' },
    rules: input.rules,
  };
  const outputChain: nft.Chain = {
    name: names.inet.output,
    base: { type: 'filter', hook: 'output', priority: opts.outputPriority, policy: 'accept' },
    rules: output.rules,
  };
  const forward = forwardRules(t);
  const vnets = vnetChains(config, 'inet', t.sets);
  const chains = [inputChain, outputChain];
  if (forward !== null)
    chains.push({
      name: names.inet.forward,
      base: { type: 'filter', hook: 'forward', priority: opts.forwardPriority, policy: 'accept' },
      rules: forward,
    });
  if (vnets !== null) {
    // proxmox-firewall's host-bridge-input/-output: around the host chains, so traffic between a
    // VNet and the host meets the VNet's rules and the host's (an accept ends one base chain).
    const dispatch = (key: 'iifname' | 'oifname'): nft.Rule[] => [
      { stmts: [{ kind: 'vmap', key: meta(key), map: names.vnetByBridge }] },
    ];
    chains.push(
      {
        name: names.inet.vnetIn,
        base: { type: 'filter', hook: 'input', priority: opts.inputPriority - 1, policy: 'accept' },
        rules: dispatch('iifname'),
      },
      {
        name: names.inet.vnetOut,
        base: {
          type: 'filter',
          hook: 'output',
          priority: opts.outputPriority + 1,
          policy: 'accept',
        },
        rules: dispatch('oifname'),
      },
    );
  }
  chains.push(...t.builtins.chains(), ...(vnets?.chains ?? []));
  return {
    table: {
      family: 'inet',
      name: opts.name,
      sets: t.sets.toNamedSets(),
      maps: vnets === null ? [] : [vnets.map],
      chains,
    },
    serviceAnchor: {
      input: { chain: inputChain, index: input.services },
      output: { chain: outputChain, index: output.services },
    },
    forward: forward !== null,
  };
}

/** A base chain's rules, and the index of its service anchor (see ServiceAnchor). */
interface ChainRules {
  rules: nft.Rule[];
  services: number;
}

/** input (PF PVEFW-HOST-IN). */
function inputRules(t: HostParts): ChainRules {
  const { config, sets, builtins } = t;
  const o = config.host.options;
  const input: nft.Rule[] = [
    rule(match(meta('iifname'), { kind: 'str', value: 'lo' }), verdict(ACCEPT)),
    rule(ctState('invalid'), verdict(DROP)),
    rule(ctState('established', 'related'), verdict(ACCEPT)),
  ];
  const services = input.length;
  if (o.ndp)
    input.push(rule(match(payload('icmpv6', 'type'), anonSet(NDP_IN.map(sym))), verdict(ACCEPT)));
  if (config.blacklist !== null) {
    for (const family of [4, 6] as const) {
      if (IpSets.cidrs(config.blacklist, family).length === 0) continue;
      input.push(
        rule(
          match(payload(ipProto(family), 'saddr'), sets.ref(config.blacklist, family)),
          verdict(jump(builtins.use('blacklist'))),
        ),
      );
    }
  }
  if (o.nosmurfs)
    input.push(
      rule(
        familyMatch('inet', 4),
        ctState('new', 'invalid'),
        verdict(jump(builtins.use('smurfs'))),
      ),
    );
  if (o.tcpflags)
    input.push(rule(match(meta('l4proto'), sym('tcp')), verdict(jump(builtins.use('tcpFlags')))));
  input.push(rule(match(meta('l4proto'), sym('igmp')), verdict(ACCEPT)));
  input.push(...userRules(t, 'in'));
  for (const family of [4, 6] as const) {
    if (IpSets.cidrs(config.management, family).length === 0) continue;
    input.push({
      stmts: [
        match(payload(ipProto(family), 'saddr'), sets.ref(config.management, family)),
        match(payload('tcp', 'dport'), anonSet(MANAGEMENT_PORTS_IN)),
        verdict(ACCEPT),
      ],
      comment: 'management',
    });
  }
  input.push(...corosyncRules(config.corosync, 'in'));
  input.push(
    ...policyRules(config.policyIn, {
      builtins,
      accept: ACCEPT,
      rejectAllowed: true,
      log:
        o.logLevelIn !== null
          ? { vmid: 0, level: o.logLevelIn, chain: names.logChain.hostIn }
          : null,
      ratelimit: config.logRatelimit,
    }),
  );
  return { rules: input, services };
}

/**
 * forward (proxmox-firewall's forward, host-forward and cluster-forward chains): routed traffic,
 * host FORWARD rules, then cluster ones, then `policy_forward` logged at the host's
 * `log_level_forward`. Null when it would accept everything (no FORWARD rule, ACCEPT policy): a
 * node that routes nothing for the firewall gets no forward hook, as before.
 */
function forwardRules(t: HostParts): nft.Rule[] | null {
  const { config, builtins } = t;
  const o = config.host.options;
  const user = userRules(t, 'forward');
  if (user.length === 0 && config.policyForward === 'ACCEPT') return null;
  const out: nft.Rule[] = [
    {
      // Set by the bridge table's forward chain (vnet-chains.ts): a bridged frame that
      // br_netfilter shows to this hook, judged by the guest and VNet chains instead.
      stmts: [
        match(
          { kind: 'and', expr: meta('mark'), mask: num(names.bridge.bridgedMark) },
          num(names.bridge.bridgedMark),
        ),
        verdict(ACCEPT),
      ],
      comment: 'bridged, not routed',
    },
    rule(ctState('established', 'related'), verdict(ACCEPT)),
  ];
  if (!o.nfConntrackAllowInvalid) out.push(rule(ctState('invalid'), verdict(DROP)));
  out.push(...user);
  out.push(
    ...forwardPolicy(
      config.policyForward,
      o.logLevelForward,
      names.logChain.hostForward,
      config.logRatelimit,
      [verdict(jump(builtins.use('reject')))],
    ),
  );
  return out;
}

/** output (PF PVEFW-HOST-OUT). */
function outputRules(t: HostParts): ChainRules {
  const { config, builtins } = t;
  const o = config.host.options;
  const output: nft.Rule[] = [
    rule(match(meta('oifname'), { kind: 'str', value: 'lo' }), verdict(ACCEPT)),
    rule(ctState('invalid'), verdict(DROP)),
    rule(ctState('established', 'related'), verdict(ACCEPT)),
  ];
  const services = output.length;
  if (o.ndp)
    output.push(rule(match(payload('icmpv6', 'type'), anonSet(NDP_OUT.map(sym))), verdict(ACCEPT)));
  output.push(rule(match(meta('l4proto'), sym('igmp')), verdict(ACCEPT)));
  output.push(...userRules(t, 'out'));
  for (const family of [4, 6] as const) {
    const cidrs = sortCidrs(config.localNetwork.filter((c) => c.family === family));
    if (cidrs.length === 0) continue;
    output.push({
      stmts: [
        match(payload(ipProto(family), 'daddr'), anonSet(cidrs.map(cidrValue))),
        match(payload('tcp', 'dport'), anonSet(MANAGEMENT_PORTS_OUT)),
        verdict(ACCEPT),
      ],
      comment: 'local_network',
    });
  }
  output.push(...corosyncRules(config.corosync, 'out'));
  output.push(
    ...policyRules(config.policyOut, {
      builtins,
      accept: ACCEPT,
      rejectAllowed: true,
      log:
        o.logLevelOut !== null
          ? { vmid: 0, level: o.logLevelOut, chain: names.logChain.hostOut }
          : null,
      ratelimit: config.logRatelimit,
    }),
  );
  return { rules: output, services };
}

/** The host's user rules of one direction (FORWARD rules never name an interface: resolver). */
function userRules(t: HostParts, direction: ir.Rule['direction']): nft.Rule[] {
  const { config, sets, builtins } = t;
  const ctx: MatchContext = {
    table: 'inet',
    ifaceKey: direction === 'in' ? 'iifname' : direction === 'out' ? 'oifname' : null,
    sets,
  };
  const out: nft.Rule[] = [];
  for (const r of config.host.rules) {
    if (r.direction !== direction) continue;
    const action: nft.Stmt[] = [
      verdict(
        r.verdict === 'accept'
          ? ACCEPT
          : r.verdict === 'drop'
            ? DROP
            : jump(builtins.use('reject')),
      ),
    ];
    const chain =
      r.group !== null
        ? names.logChain.group(r.group, direction)
        : direction === 'in'
          ? names.logChain.hostIn
          : direction === 'out'
            ? names.logChain.hostOut
            : names.logChain.hostForward;
    const log =
      r.log !== null
        ? { vmid: 0, level: r.log, chain, message: names.ruleMessage(r.verdict) }
        : null;
    out.push(...ruleRules(r, ctx, { action, log, ratelimit: config.logRatelimit }));
  }
  return out;
}

/** PF corosync allowances (docs/reference.md §pve-host-chains, IN step 10 and the output
 * mirror). */
function corosyncRules(corosync: ir.Config['corosync'], dir: 'in' | 'out'): nft.Rule[] {
  const out: nft.Rule[] = [];
  if (corosync.multicast) {
    out.push({
      stmts: [
        match({ kind: 'fib', flags: ['daddr'], result: 'type' }, sym('multicast')),
        match(payload('udp', 'dport'), COROSYNC_PORTS),
        verdict(ACCEPT),
      ],
      comment: 'corosync multicast',
    });
  }
  for (const link of corosync.links) {
    if (link.peers.length === 0) continue;
    const ip = ipProto(link.family);
    const peers = anonSet([...link.peers].map(sym));
    const local = sym(link.local);
    const [src, dst] = dir === 'in' ? [peers, local] : [local, peers];
    out.push({
      stmts: [
        match(payload(ip, 'saddr'), src),
        match(payload(ip, 'daddr'), dst),
        match(payload('udp', 'dport'), COROSYNC_PORTS),
        verdict(ACCEPT),
      ],
      comment: 'corosync',
    });
  }
  return out;
}
