// resolveConfig: parsed files of one node → ir.Config, with every diagnostic. checkFile: the same
// passes over one file (for `fwgen check`), against the cluster file when one is given.
import { Diagnostics } from '../diag/diagnostic.js';
import { OffsetSpan } from '../diag/span.js';
import type * as ast from '../syntax/ast.js';
import { parseCidrText } from './check-address.js';
import { checkOptions, optionReader, type OptionValues } from './check-options.js';
import { collectDefinitions, type Definitions } from './collect-definitions.js';
import { expandGroupRef, GroupTable } from './expand-groups.js';
import type { FileScope, ResolveInput, SdnInventory, VnetInput } from './input.js';
import type * as ir from './ir.js';
import { buildIpSet, IpSetTable } from './resolve-ipsets.js';
import { guestOptions, resolveNics } from './resolve-guest.js';
import { resolveRule, type RuleContext, type RuleSetting } from './resolve-rule.js';
import { Scope } from './scope.js';
import { sdnIpSet, type SdnLookup } from './sdn-ipsets.js';

export interface ResolveOptions {
  /** Report disabled rules as warnings: compile does, check does not. */
  reportSkipped?: boolean;
}

/** Rule lines of one list → IR rules, groups expanded in place, disabled lines left out. */
class RuleResolver {
  constructor(
    readonly diags: Diagnostics,
    readonly groups: GroupTable,
    readonly opts: ResolveOptions,
  ) {}

  resolve(lines: readonly (ast.RuleLine | ast.GroupRefLine)[], setting: RuleSetting): ir.Rule[] {
    const out: ir.Rule[] = [];
    for (const line of lines) {
      if (!line.enabled) {
        this.disabled(line, setting);
        continue;
      }
      const rules =
        line.kind === 'group-ref'
          ? expandGroupRef(line, setting, this.groups, this.diags)
          : resolveRule(line, setting, this.diags);
      let ifaceWarned = false;
      for (const r of rules) {
        if (!directionApplies(r.direction, setting.context)) continue;
        if (r.direction === 'forward' && r.iface !== null) {
          // proxmox-firewall refuses an interface on FORWARD rules and skips a GROUP line with
          // -i in the forward chain: which of the two interfaces would it name?
          if (!ifaceWarned)
            this.diags.warning(
              'forward-ignored',
              line.kind === 'rule' ? line.direction.span : line.keyword.span,
              line.kind === 'rule'
                ? 'a FORWARD rule cannot name an interface (-i), rule not compiled ' +
                    '(proxmox-firewall refuses it too)'
                : `the FORWARD rules of group '${line.name.value}' do not apply through a ` +
                    'GROUP line with -i (proxmox-firewall skips them too)',
            );
          ifaceWarned = true;
          continue;
        }
        out.push(r);
      }
    }
    return out;
  }

  /** A disabled line is still checked (the GUI shows its errors), but its errors cannot block. */
  disabled(line: ast.RuleLine | ast.GroupRefLine, setting?: RuleSetting): void {
    if (setting && line.kind === 'rule') {
      const scratch = new Diagnostics();
      resolveRule(line, setting, scratch);
      for (const d of scratch.list)
        this.diags.warning(d.code, d.span, `${d.message} (in a disabled rule)`, d.notes);
    }
    if (this.opts.reportSkipped)
      this.diags.warning('disabled-rule', line.span, 'rule is disabled and not compiled');
  }
}

/** Guests have no FORWARD chain (a group's FORWARD rules do nothing there); a VNet file has only
 * FORWARD (a group's IN/OUT rules do nothing there). */
function directionApplies(direction: ir.Rule['direction'], context: RuleContext): boolean {
  if (context === 'guest') return direction !== 'forward';
  if (context === 'vnet') return direction === 'forward';
  return true;
}

function hostOptions(values: OptionValues<'host'>): ir.HostOptions {
  const o = optionReader(values, 'host');
  return {
    enable: o<boolean>('enable'),
    logLevelIn: o('log_level_in'),
    logLevelOut: o('log_level_out'),
    logLevelForward: o('log_level_forward'),
    smurfLogLevel: o('smurf_log_level'),
    tcpFlagsLogLevel: o('tcp_flags_log_level'),
    nosmurfs: o<boolean>('nosmurfs'),
    tcpflags: o<boolean>('tcpflags'),
    ndp: o<boolean>('ndp'),
    nfConntrackAllowInvalid: o<boolean>('nf_conntrack_allow_invalid'),
    protectionSynflood: o<boolean>('protection_synflood'),
    protectionSynfloodRate: o<number>('protection_synflood_rate'),
    protectionSynfloodBurst: o<number>('protection_synflood_burst'),
    nfConntrackTcpTimeoutSynRecv: o<number>('nf_conntrack_tcp_timeout_syn_recv'),
    nfConntrackHelpers: (() => {
      const v = o<string[] | string>('nf_conntrack_helpers');
      return Array.isArray(v) ? v : [];
    })(),
    nfConntrackMax: o<number>('nf_conntrack_max'),
    nfConntrackTcpTimeoutEstablished: o<number>('nf_conntrack_tcp_timeout_established'),
    logNfConntrack: o<boolean>('log_nf_conntrack'),
  };
}

const EMPTY_FILE_DEFS = (scope: FileScope): Definitions => ({
  scope,
  aliases: new Map(),
  ipsets: new Map(),
  groups: new Map(),
  options: [],
  rules: [],
});

export function resolveConfig(
  input: ResolveInput,
  diags: Diagnostics,
  opts: ResolveOptions = {},
): ir.Config {
  const cluster = input.cluster
    ? collectDefinitions(input.cluster, 'cluster', diags)
    : EMPTY_FILE_DEFS('cluster');
  // Compiling, every name is judged: no inventory is no SDN (an unknown name would otherwise
  // resolve to nothing without an error, and the rule lose its match).
  const sdn = input.sdn ?? {
    configPath: null,
    ipamPath: null,
    invalid: [],
    vnets: new Map(),
    ipam: [],
  };
  const ipsets = new IpSetTable(diags, sdnSource(sdn));
  const clusterScope = new Scope(cluster, null, null, ipsets, true);
  const rr = new RuleResolver(
    diags,
    new GroupTable(clusterScope, diags, (l, s) => rr.disabled(l, s)),
    opts,
  );

  const clusterOption = optionReader(checkOptions(cluster.options, 'cluster', diags), 'cluster');
  const enable = clusterOption<number>('enable');
  // pve-firewall: a value > 1 is the API's anti-lockout timestamp, valid for 60 seconds.
  const enabled = enable === 1 || (enable > 1 && input.now - enable <= 60);

  // Every cluster ipset and group is checked, used or not.
  for (const section of cluster.ipsets.values()) ipsets.get(section, 'dc', null, clusterScope);
  for (const section of cluster.groups.values()) rr.groups.rules(section);

  const host = input.host ? collectDefinitions(input.host, 'host', diags) : EMPTY_FILE_DEFS('host');
  const hOpts = hostOptions(checkOptions(host.options, 'host', diags));
  const hostRules = [
    ...rr.resolve(host.rules, { context: 'host', scope: clusterScope, nics: null }),
    ...rr.resolve(cluster.rules, { context: 'cluster', scope: clusterScope, nics: null }),
  ];

  // Local network: the cluster alias `local_network` wins over detection (docs/reference.md
  // §pve-local-network).
  const aliasLocal = cluster.aliases.get('local_network');
  const localNetwork = aliasLocal ? [aliasLocal.cidr] : input.localNetwork;
  const mgmtSection = cluster.ipsets.get('management');
  const management = buildIpSet({
    key: 'dc/management',
    scope: 'dc',
    vmid: null,
    name: 'management',
    comment: mgmtSection?.comment?.value ?? null,
    origin: mgmtSection?.name.span ?? null,
    entries: [
      ...(mgmtSection ? ipsets.entries(mgmtSection, clusterScope) : []),
      ...localNetwork.map((cidr) => ({ cidr, nomatch: false })),
    ],
  });
  const blSection = cluster.ipsets.get('blacklist');
  const blacklist = blSection ? ipsets.get(blSection, 'dc', null, clusterScope) : null;

  const guests: ir.Guest[] = [];
  for (const g of input.guests) {
    if (!g.fw) continue; // no .fw file: never filtered (pve-firewall)
    const defs = collectDefinitions(g.fw, 'guest', diags);
    const scope = new Scope(cluster, defs, g.vmid, ipsets, true);
    for (const section of defs.ipsets.values()) {
      if (!/^ipfilter-net\d+$/.test(section.name.value.toLowerCase()))
        ipsets.get(section, 'guest', g.vmid, scope);
    }
    const options = guestOptions(checkOptions(defs.options, 'guest', diags));
    const nics = resolveNics(g.vmid, g.type, g.conf, options, defs, scope, diags);
    const rules = rr.resolve(defs.rules, {
      context: 'guest',
      scope,
      nics: new Set(nics.map((n) => n.index)),
    });
    guests.push({ vmid: g.vmid, type: g.type, options, nics, rules, origin: null });
  }

  const vnets = [...(input.vnets ?? [])]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((v) => resolveVnet(v, rr, clusterScope, diags));

  return {
    enabled,
    ebtables: clusterOption<boolean>('ebtables'),
    policyIn: clusterOption<ir.Policy>('policy_in'),
    policyOut: clusterOption<ir.Policy>('policy_out'),
    policyForward: clusterOption<ir.Policy>('policy_forward'),
    logRatelimit: clusterOption<ir.LogRateLimit>('log_ratelimit'),
    host: { options: hOpts, rules: hostRules },
    management,
    localNetwork,
    blacklist,
    corosync: corosyncLinks(input, diags),
    guests,
    vnets,
  };
}

/** One `sdn/firewall/<vnet>.fw`: options and FORWARD rules; names resolve against the cluster
 * (proxmox-firewall: a VNet file has no aliases or ipsets of its own). */
function resolveVnet(
  v: VnetInput,
  rr: RuleResolver,
  clusterScope: Scope,
  diags: Diagnostics,
): ir.Vnet {
  const defs = collectDefinitions(v.fw, 'vnet', diags);
  const o = optionReader(checkOptions(defs.options, 'vnet', diags), 'vnet');
  const enableLine = defs.options.find((l) => l.key.value.toLowerCase() === 'enable');
  const file = v.fw.file;
  const firstLine = new OffsetSpan(file, 0, Math.max(0, file.text.search(/\r?\n|$/)));
  return {
    name: v.name,
    // pve-firewall's parser takes any digits; the API writes 0 or 1.
    enabled: o<number>('enable') >= 1,
    policyForward: o<ir.Policy>('policy_forward'),
    logLevelForward: o<number | null>('log_level_forward'),
    rules: rr.resolve(defs.rules, { context: 'vnet', scope: clusterScope, nics: null }),
    origin: enableLine?.span ?? firstLine,
  };
}

/** pve-firewall: for each link of this node, accept corosync from the other nodes' addresses on it. */
function corosyncLinks(input: ResolveInput, diags: Diagnostics): ir.Config['corosync'] {
  const conf = input.corosync;
  if (!conf) return { multicast: false, links: [] };
  const me = conf.nodes.find((n) => n.name === input.nodeName);
  const links: ir.CorosyncLink[] = [];
  for (const l of me?.links ?? []) {
    const local = parseCidrText(l.address);
    if (!local) {
      diags.warning(
        'corosync-hostname',
        undefined,
        `${conf.file.path}: link ${l.link} of node '${input.nodeName}' ` +
          `is not an IP address ('${l.address}'), no corosync rule for it`,
      );
      continue;
    }
    const peers: string[] = [];
    for (const n of conf.nodes) {
      if (n === me) continue;
      const p = n.links.find((x) => x.link === l.link);
      const c = p ? parseCidrText(p.address) : undefined;
      if (c && c.family === local.family) peers.push(c.addr);
    }
    links.push({ local: local.addr, peers, family: local.family });
  }
  return { multicast: conf.transport === 'udp', links };
}

/** The `+sdn/…` sets of an inventory; null (SDN not known) stays null. */
function sdnSource(sdn: SdnInventory | null): ((name: string) => SdnLookup) | null {
  return sdn === null ? null : (name) => sdnIpSet(name, sdn);
}

/** `fwgen check` on one file: every pass that can run with what is known (`sdn`: the tree's SDN
 * inventory, null when no tree is given). */
export function checkFile(
  file: ast.ConfigFile,
  scope: FileScope,
  cluster: ast.ConfigFile | null,
  diags: Diagnostics,
  sdn: SdnInventory | null = null,
): void {
  const clusterKnown = scope === 'cluster' || cluster !== null;
  const own = collectDefinitions(file, scope, diags);
  // The cluster's own diagnostics belong to the cluster file: collect them aside.
  const clusterDefs =
    scope === 'cluster'
      ? own
      : cluster
        ? collectDefinitions(cluster, 'cluster', new Diagnostics())
        : null;
  const ipsets = new IpSetTable(scope === 'cluster' ? diags : new Diagnostics(), sdnSource(sdn));
  const clusterScope = new Scope(clusterDefs, null, null, ipsets, clusterKnown);
  const sink = scope === 'cluster' ? diags : new Diagnostics();
  // The groups' disabled lines are checked too, reported where the groups' other findings go.
  const groups: GroupTable = new GroupTable(clusterScope, sink, (l, s) => groupRr.disabled(l, s));
  const groupRr = new RuleResolver(sink, groups, {});
  const rr = new RuleResolver(diags, groups, {});
  checkOptions(own.options, scope, diags);
  const context: RuleContext = scope;
  if (scope === 'cluster') {
    for (const section of own.ipsets.values()) ipsets.get(section, 'dc', null, clusterScope);
    for (const section of own.groups.values()) groups.rules(section);
    rr.resolve(own.rules, { context, scope: clusterScope, nics: null });
    return;
  }
  if (scope === 'guest') {
    const guestIpsets = new IpSetTable(diags, sdnSource(sdn));
    const gScope = new Scope(clusterDefs, own, 0, guestIpsets, clusterKnown);
    for (const section of own.ipsets.values()) guestIpsets.get(section, 'guest', 0, gScope);
    rr.resolve(own.rules, { context, scope: gScope, nics: null });
    return;
  }
  rr.resolve(own.rules, { context, scope: clusterScope, nics: null });
}
