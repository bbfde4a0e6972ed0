// `table bridge <name>`: the guest firewall, one set of chains per filtered NIC (PF granularity,
// docs/reference.md §pve-guest-chains). Layout (docs/reference.md §nft-bridge-reject,
// §nft-reject-design, §nft-bridge-conntrack, §nft-dispatch, §nft-reject-replies):
//   prerouting  (-150, after bridge conntrack at -200): iifname vmap → <nic>_out   (guest OUT)
//                                                       ether daddr vmap → <nic>_in_pre
//   postrouting (-150):                                 reject replies, then oifname vmap → <nic>_in
// REJECT is only possible in prerouting, so guest IN exists twice: <nic>_in_pre (frames unicast to
// the NIC's MAC, may reject, never accepts: every other outcome is `return`) and <nic>_in (every
// frame leaving through the port, drop-only, the copy that decides and logs).
import type * as ir from '../resolve/ir.js';
import type * as nft from '../nft/model.js';
import { Builtins, policyRules, tcpFlagPatterns } from './builtins.js';
import { connmarkRule } from './connmark.js';
import { guestRuleRules } from './expand-lists.js';
import { GuestIpSets, type PortKey } from './guest-ipsets.js';
import { IpsQueues } from './ips.js';
import { cidrValue, IpSets, sortCidrs } from './ipsets.js';
import { layer2ProtocolRules, macFilterScope, nonIpReturn } from './layer2.js';
import { names } from './names.js';
import {
  ACCEPT,
  DROP,
  RETURN,
  anonSet,
  ctState,
  familyMatch,
  ipProto,
  jump,
  match,
  meta,
  num,
  payload,
  sym,
  verdict,
  type LogSpec,
  type MatchContext,
} from './rule-stmts.js';
import type { WarningSink } from './warning.js';

export interface GuestTableOptions {
  name: string;
  preroutingPriority: number;
  postroutingPriority: number;
}

const rule = (...stmts: nft.Stmt[]): nft.Rule => ({ stmts });

const NDP_IN = [
  'nd-router-solicit',
  'nd-router-advert',
  'nd-neighbor-solicit',
  'nd-neighbor-advert',
];

interface FilteredNic {
  guest: ir.Guest;
  nic: ir.Nic;
}

/** The NICs the bridge table filters: `firewall=1` on the NIC and `enable: 1` in the guest's
 * .fw, sorted by vmid and NIC index. */
function filteredNics(config: ir.Config): FilteredNic[] {
  const out: FilteredNic[] = [];
  for (const guest of [...config.guests].sort((a, b) => a.vmid - b.vmid)) {
    if (!guest.options.enable) continue;
    for (const nic of [...guest.nics].sort((a, b) => a.index - b.index))
      if (nic.firewall) out.push({ guest, nic });
  }
  return out;
}

/** What the chains of every NIC share: the table's sets and built-in chains, the host options. */
interface TableParts {
  config: ir.Config;
  host: ir.HostOptions;
  ratelimit: ir.LogRateLimit;
  sets: IpSets;
  /** Guest ipsets, table-wide and keyed by port or MAC (guest-ipsets.ts). */
  guestSets: GuestIpSets;
  ipfilter: IpFilterSets;
  builtins: Builtins;
  warn: WarningSink;
  /** How many filtered NICs carry each MAC: a shared MAC cannot select one NIC's <nic>_in_pre. */
  macCount: Map<string, number>;
  ips: IpsQueues;
}

/** One filtered NIC with its guest's options and the guest rules that apply to it. */
interface NicParts {
  vmid: number;
  nic: ir.Nic;
  opt: ir.GuestOptions;
  inRules: ir.Rule[];
  outRules: ir.Rule[];
  /** The user rules of one chain (`in-pre`: <nic>_in_pre, guest IN), each rule's action and
   * logging chosen by `map`. */
  userRules: (
    rules: ir.Rule[],
    chain: 'in' | 'out' | 'in-pre',
    map: (r: ir.Rule) => { action: nft.Stmt[]; log: boolean },
  ) => nft.Rule[];
}

/** One entry of the shared inbound head: match statements and the verdict the postrouting copy
 * gives them; `pre`: the prerouting copy's matches when they differ from `stmts` (one rule
 * each). */
interface InHeadEntry {
  stmts: nft.Stmt[];
  post: nft.Verdict;
  pre?: nft.Stmt[][];
}

/** The bridge table, or null when no guest NIC is filtered. `stream`: gets each NIC's chains as
 * soon as they are built; the table keeps what it returns instead (streamed-chains.ts). */
export function guestTable(
  config: ir.Config,
  opts: GuestTableOptions,
  warn: WarningSink,
  stream?: (chains: nft.Chain[]) => nft.Chain[],
): nft.Table | null {
  const nics = filteredNics(config);
  if (nics.length === 0) return null;
  const host = config.host.options;
  const ratelimit = config.logRatelimit;
  const t: TableParts = {
    config,
    host,
    ratelimit,
    sets: new IpSets(),
    guestSets: new GuestIpSets(),
    ipfilter: new IpFilterSets(),
    builtins: new Builtins('bridge', {
      ratelimit,
      smurfLogLevel: host.smurfLogLevel,
      tcpFlagsLogLevel: host.tcpFlagsLogLevel,
      // PF uses the host's log_level_out for the guest-side blacklist ("fixme" in
      // compile_iptables_filter); kept for log compatibility.
      blacklistLogLevel: host.logLevelOut,
    }),
    warn,
    macCount: new Map(),
    ips: new IpsQueues(),
  };
  for (const { nic } of nics)
    if (nic.mac !== null) t.macCount.set(nic.mac, (t.macCount.get(nic.mac) ?? 0) + 1);

  const chains: nft.Chain[] = [];
  const outMap: nft.NamedMap['elements'] = [];
  const inMap: nft.NamedMap['elements'] = [];
  const macMap: nft.NamedMap['elements'] = [];

  for (const { guest, nic } of nics) {
    const n = nicParts(t, guest, nic);
    const vmid = guest.vmid;
    // Built in this order: the built-in chains are listed in order of first use.
    const out = nicOutChain(t, n);
    const inHead = inboundHead(t, n);
    const inPost = nicInChain(t, n, inHead);
    const pre = nicInPreChain(t, n, inHead);
    const nicChains: nft.Chain[] = [];
    let preName: string | null = null;
    if (pre !== null) {
      preName = names.bridge.nicInPre(vmid, nic.index);
      nicChains.push({ name: preName, rules: pre });
    }

    const outName = names.bridge.nicOut(vmid, nic.index);
    const inName = names.bridge.nicIn(vmid, nic.index);
    nicChains.push({ name: outName, rules: out }, { name: inName, rules: inPost });
    chains.push(...(stream ? stream(nicChains) : nicChains));
    outMap.push({ key: { kind: 'str', value: nic.device }, verdict: jump(outName) });
    inMap.push({ key: { kind: 'str', value: nic.device }, verdict: jump(inName) });
    if (preName !== null && nic.mac !== null)
      macMap.push({ key: sym(nic.mac), verdict: jump(preName) });
  }

  const maps: nft.NamedMap[] = [
    { name: names.bridge.outByPort, type: 'ifname', elements: outMap },
    { name: names.bridge.inByPort, type: 'ifname', elements: inMap },
  ];
  if (macMap.length > 0)
    maps.push({ name: names.bridge.inByMac, type: 'ether_addr', elements: macMap });
  return {
    family: 'bridge',
    name: opts.name,
    sets: [...t.ipfilter.toNamedSets(), ...t.guestSets.toNamedSets(), ...t.sets.toNamedSets()],
    maps,
    chains: [
      ...dispatchChains(opts, t.builtins, macMap.length > 0),
      ...t.builtins.chains(),
      ...t.ips.chains(),
      ...chains,
    ],
  };
}

function nicParts(t: TableParts, guest: ir.Guest, nic: ir.Nic): NicParts {
  const vmid = guest.vmid;
  const nicRules = guest.rules.filter((r) => r.nic === null || r.nic === nic.index);
  // One context per chain: guest ipsets are looked up by what dispatched to the chain
  // (guest-ipsets.ts). Rule statements are cached per context (rule-stmts.ts).
  const ctxs = new Map<'in' | 'out' | 'in-pre', MatchContext>();
  const ctxFor = (chain: 'in' | 'out' | 'in-pre'): MatchContext => {
    let ctx = ctxs.get(chain);
    if (ctx === undefined) {
      let key: PortKey;
      if (chain === 'out') key = { kind: 'iifname', device: nic.device };
      else if (chain === 'in') key = { kind: 'oifname', device: nic.device };
      else if (nic.mac !== null) key = { kind: 'mac', mac: nic.mac };
      // nicInPreChain builds a chain only for a NIC with a MAC of its own.
      else throw new Error(`${nic.device}: <nic>_in_pre rules without a MAC`);
      ctx = { table: 'bridge', ifaceKey: null, sets: t.guestSets.lookup(t.sets, key) };
      ctxs.set(chain, ctx);
    }
    return ctx;
  };
  const logChain = (r: ir.Rule, dir: 'in' | 'out'): { vmid: number; chain: string } =>
    r.group !== null
      ? { vmid: 0, chain: names.logChain.group(r.group, dir) }
      : {
          vmid,
          chain:
            dir === 'in' ? names.logChain.guestIn(nic.device) : names.logChain.guestOut(nic.device),
        };
  return {
    vmid,
    nic,
    opt: guest.options,
    inRules: nicRules.filter((r) => r.direction === 'in'),
    outRules: nicRules.filter((r) => r.direction === 'out'),
    userRules: (rules, chain, map) => {
      const dir = chain === 'out' ? 'out' : 'in';
      const ctx = ctxFor(chain);
      const out: nft.Rule[] = [];
      for (const r of rules) {
        const m = map(r);
        const log: LogSpec | null =
          m.log && r.log !== null
            ? { ...logChain(r, dir), level: r.log, message: names.ruleMessage(r.verdict) }
            : null;
        out.push(...guestRuleRules(r, ctx, { action: m.action, log, ratelimit: t.ratelimit }));
      }
      return out;
    },
  };
}

const rejectJump = (t: TableParts): nft.Stmt[] => [verdict(jump(t.builtins.use('reject')))];

/** <nic>_out (prerouting): guest OUT. */
function nicOutChain(t: TableParts, n: NicParts): nft.Rule[] {
  const { vmid, nic, opt } = n;
  const out: nft.Rule[] = [connmarkRule(vmid)];
  const mac = nic.mac;
  if (opt.macfilter && mac === null) {
    t.warn({
      code: 'no-mac-filter',
      message: `guest ${vmid} net${nic.index} has no MAC address: no MAC filter`,
      vmid,
      nic: nic.index,
      where: null,
      span: nic.origin,
    });
  }
  if (opt.macfilter && mac !== null) {
    // First, for every frame: PF's ebtables filter (`-s ! <mac> DROP`, on by default) runs
    // before iptables, so DHCP and established traffic from a foreign MAC are dropped too.
    // With `ebtables: 0` only IPv4/IPv6 frames (PF's iptables `-m mac`; layer2.ts).
    out.push(
      rule(
        ...macFilterScope(t.config.ebtables),
        match(payload('ether', 'saddr'), sym(mac), '!='),
        verdict(DROP),
      ),
    );
  }
  out.push(...layer2ProtocolRules(t.config.ebtables, opt));
  // ARP is untracked: decide it before the ct rules. PF ebtables: ARP sender MAC and sender IP
  // (both off with `ebtables: 0`, as in PF).
  if (opt.macfilter && mac !== null && t.config.ebtables)
    out.push(
      rule(
        match(meta('protocol'), sym('arp')),
        match(payload('arp', 'saddr ether'), sym(mac), '!='),
        verdict(DROP),
      ),
    );
  if (nic.ipfilter !== null) {
    t.ipfilter.add(nic.device, nic.ipfilter);
    // No entry for this port in a family (an empty filter) drops all of that family: ARP too,
    // as with IPv4 no address may be claimed.
    if (t.config.ebtables)
      out.push(
        rule(
          match(meta('protocol'), sym('arp')),
          t.ipfilter.mismatch(4, payload('arp', 'saddr ip')),
          verdict(DROP),
        ),
      );
  }
  out.push(rule(match(meta('protocol'), sym('arp')), verdict(RETURN)));
  out.push(nonIpReturn());
  out.push(rule(ctState('established', 'related'), verdict(RETURN)));
  if (!t.host.nfConntrackAllowInvalid) out.push(rule(ctState('invalid'), verdict(DROP)));
  if (opt.dhcp) {
    // Before the ipfilter: a DHCP DISCOVER comes from 0.0.0.0 (PF order).
    out.push(
      rule(
        familyMatch('bridge', 4),
        match(payload('udp', 'sport'), num(68)),
        match(payload('udp', 'dport'), num(67)),
        verdict(RETURN),
      ),
    );
    out.push(
      rule(
        familyMatch('bridge', 6),
        match(payload('udp', 'sport'), num(546)),
        match(payload('udp', 'dport'), num(547)),
        verdict(RETURN),
      ),
    );
  }
  if (!opt.radv)
    out.push(rule(match(payload('icmpv6', 'type'), sym('nd-router-advert')), verdict(DROP)));
  if (nic.ipfilter !== null) {
    out.push(rule(t.ipfilter.mismatch(4, payload('ip', 'saddr')), verdict(DROP)));
    out.push(rule(t.ipfilter.mismatch(6, payload('ip6', 'saddr')), verdict(DROP)));
  }
  // ND is untracked (never `ct state invalid`), so after the ct rules is safe; after the
  // ipfilter like PF, so a guest cannot send ND from a foreign source address.
  if (opt.ndp) {
    const types = [
      'nd-router-solicit',
      'nd-neighbor-solicit',
      'nd-neighbor-advert',
      ...(opt.radv ? ['nd-router-advert'] : []),
    ];
    out.push(rule(match(payload('icmpv6', 'type'), anonSet(types.map(sym))), verdict(RETURN)));
  }
  // In prerouting ACCEPT is `return`, never `accept`: the frame must still meet the receiving
  // guest's `ether daddr` check (PF's mark-and-return, docs/reference.md §pve-guest-chains).
  out.push(
    ...n.userRules(n.outRules, 'out', (r) => ({
      action:
        r.verdict === 'accept'
          ? [verdict(RETURN)]
          : r.verdict === 'drop'
            ? [verdict(DROP)]
            : rejectJump(t),
      log: true,
    })),
  );
  out.push(
    ...policyRules(opt.policyOut, {
      builtins: t.builtins,
      accept: RETURN,
      rejectAllowed: true,
      log:
        opt.logLevelOut !== null
          ? { vmid, level: opt.logLevelOut, chain: names.logChain.guestOut(nic.device) }
          : null,
      ratelimit: t.ratelimit,
    }),
  );
  return out;
}

/** The shared head of both inbound copies. The prerouting copy turns every entry into `return`,
 * so it can never reject what the postrouting copy accepts or drops before the user rules. */
function inboundHead(t: TableParts, n: NicParts): InHeadEntry[] {
  const { config, host, builtins } = t;
  const opt = n.opt;
  // IPS: PF queues NDP and RELATED/ESTABLISHED inbound traffic too (ips.ts).
  const queue = t.ips.accept(opt);
  const inHead: InHeadEntry[] = [];
  inHead.push({ stmts: [match(meta('protocol'), sym('arp'))], post: ACCEPT });
  if (opt.ndp)
    inHead.push({
      stmts: [match(payload('icmpv6', 'type'), anonSet(NDP_IN.map(sym)))],
      post: queue,
    });
  inHead.push({ stmts: [ctState('established', 'related')], post: queue });
  if (!host.nfConntrackAllowInvalid) inHead.push({ stmts: [ctState('invalid')], post: DROP });
  // PF applies blacklist, smurfs and tcpflags to traffic into guests as well (docs/reference.md
  // §pve-protections).
  if (config.blacklist !== null) {
    for (const family of [4, 6] as const) {
      if (IpSets.cidrs(config.blacklist, family).length === 0) continue;
      inHead.push({
        stmts: [match(payload(ipProto(family), 'saddr'), t.sets.ref(config.blacklist, family))],
        post: jump(builtins.use('blacklist')),
      });
    }
  }
  if (host.nosmurfs) {
    // Approximation: the bridge family has no fib, so PF's "source address type BROADCAST" is
    // reduced to the limited broadcast 255.255.255.255 (subnet-directed broadcast sources are
    // not recognised); 224.0.0.0/4 is exact. Source-based like PF — `meta pkttype broadcast`
    // would test the destination and drop ordinary broadcasts before the user rules.
    inHead.push({
      stmts: [
        familyMatch('bridge', 4),
        ctState('new', 'invalid'),
        match(
          payload('ip', 'saddr'),
          anonSet([{ kind: 'prefix', addr: '224.0.0.0', len: 4 }, sym('255.255.255.255')]),
        ),
      ],
      post: jump(builtins.use('smurfLog')),
    });
  }
  if (host.tcpflags) {
    // postrouting: one jump into the shared chain; prerouting: the patterns inline (a `return`
    // inside a jumped chain could not leave <nic>_in_pre).
    inHead.push({
      stmts: [match(meta('l4proto'), sym('tcp'))],
      post: jump(builtins.use('tcpFlags')),
      pre: tcpFlagPatterns(),
    });
  }
  if (opt.dhcp) {
    inHead.push({
      stmts: [
        familyMatch('bridge', 4),
        match(payload('udp', 'sport'), num(67)),
        match(payload('udp', 'dport'), num(68)),
      ],
      post: ACCEPT,
    });
    inHead.push({
      stmts: [
        familyMatch('bridge', 6),
        match(payload('udp', 'sport'), num(547)),
        match(payload('udp', 'dport'), num(546)),
      ],
      post: ACCEPT,
    });
  }
  return inHead;
}

/** <nic>_in (postrouting): guest IN, every frame leaving through the port; drop-only. */
function nicInChain(t: TableParts, n: NicParts, inHead: InHeadEntry[]): nft.Rule[] {
  const { opt, vmid, nic } = n;
  const inPost: nft.Rule[] = [
    connmarkRule(vmid),
    ...inHead.map((h) => rule(...h.stmts, verdict(h.post))),
  ];
  inPost.push(
    ...n.userRules(n.inRules, 'in', (r) => ({
      // REJECT in postrouting is a DROP: the frame was flooded or comes from the host, and it is
      // never answered on the guest's behalf (docs/reference.md §nft-bridge-reject,
      // §nft-reject-design).
      action: [verdict(r.verdict === 'accept' ? t.ips.accept(opt) : DROP)],
      log: true,
    })),
  );
  inPost.push(
    ...policyRules(opt.policyIn, {
      builtins: t.builtins,
      accept: t.ips.policyAccept(opt),
      rejectAllowed: false,
      log:
        opt.logLevelIn !== null
          ? { vmid, level: opt.logLevelIn, chain: names.logChain.guestIn(nic.device) }
          : null,
      ratelimit: t.ratelimit,
    }),
  );
  return inPost;
}

/** <nic>_in_pre (prerouting): frames unicast to the NIC's MAC, only where inbound REJECT is
 * needed; null when not needed or impossible (no or a shared MAC: a warning, REJECT stays DROP). */
function nicInPreChain(t: TableParts, n: NicParts, inHead: InHeadEntry[]): nft.Rule[] | null {
  const { opt, vmid, nic, inRules } = n;
  const mac = nic.mac;
  const needsPre = opt.policyIn === 'REJECT' || inRules.some((r) => r.verdict === 'reject');
  if (!needsPre) return null;
  if (mac === null || (t.macCount.get(mac) ?? 0) > 1) {
    const why = mac === null ? 'has no MAC address' : `shares MAC ${mac} with another filtered NIC`;
    t.warn({
      code: 'inbound-reject-as-drop',
      message: `guest ${vmid} net${nic.index} ${why}: inbound REJECT is carried out as DROP`,
      vmid,
      nic: nic.index,
      where: null,
      span: nic.origin,
    });
    return null;
  }
  const pre: nft.Rule[] = [
    // First: the frame is judged by destination MAC here and nowhere else on its way (a guest
    // behind fwbr<vmid>i<n> is reached over vmbr0 and then fwbr, both run prerouting).
    {
      stmts: [{ kind: 'meta-mark-set', value: names.bridge.judgedMark, or: true }],
      comment: 'judged: later bridges skip the MAC dispatch',
    },
    rule(match(meta('iifname'), { kind: 'str', value: nic.device }), verdict(RETURN)),
  ];
  for (const h of inHead)
    for (const stmts of h.pre ?? [h.stmts]) pre.push(rule(...stmts, verdict(RETURN)));
  const preRules = n.userRules(inRules, 'in-pre', (r) =>
    r.verdict === 'reject'
      ? { action: rejectJump(t), log: true }
      : { action: [verdict(RETURN)], log: false },
  );
  if (opt.policyIn === 'REJECT') {
    pre.push(...preRules);
    pre.push(
      ...policyRules('REJECT', {
        builtins: t.builtins,
        accept: RETURN,
        rejectAllowed: true,
        log:
          opt.logLevelIn !== null
            ? { vmid, level: opt.logLevelIn, chain: names.logChain.guestIn(nic.device) }
            : null,
        ratelimit: t.ratelimit,
      }),
    );
  } else {
    // Nothing after the last reject can change the outcome (the chain's end is `return`).
    let last = -1;
    preRules.forEach((r, i) => {
      if (r.stmts.some((s) => s.kind === 'verdict' && s.verdict.kind === 'jump')) last = i;
    });
    pre.push(...preRules.slice(0, last + 1));
  }
  return pre;
}

/** The prerouting and postrouting base chains: dispatch to each port's chains by vmap. */
function dispatchChains(opts: GuestTableOptions, builtins: Builtins, byMac: boolean): nft.Chain[] {
  const prerouting: nft.Rule[] = [
    { stmts: [{ kind: 'vmap', key: meta('iifname'), map: names.bridge.outByPort }] },
  ];
  if (byMac)
    prerouting.push({
      stmts: [
        // Only frames no earlier bridge has dispatched by MAC (see nicInPreChain); the port
        // dispatches need no guard: a tap/veth name is a port of exactly one bridge, and the
        // fwln/fwpr veth pair is in neither map.
        match({ kind: 'and', expr: meta('mark'), mask: num(names.bridge.judgedMark) }, num(0)),
        { kind: 'vmap', key: payload('ether', 'daddr'), map: names.bridge.inByMac },
      ],
    });

  const postrouting: nft.Rule[] = [];
  if (builtins.chains().some((c) => c.name === names.bridge.rejectChain))
    postrouting.push(...rejectReplyRules());
  postrouting.push({ stmts: [{ kind: 'vmap', key: meta('oifname'), map: names.bridge.inByPort }] });

  return [
    {
      name: names.bridge.prerouting,
      base: {
        type: 'filter',
        hook: 'prerouting',
        priority: opts.preroutingPriority,
        policy: 'accept',
      },
      rules: prerouting,
    },
    {
      name: names.bridge.postrouting,
      base: {
        type: 'filter',
        hook: 'postrouting',
        priority: opts.postroutingPriority,
        policy: 'accept',
      },
      rules: postrouting,
    },
  ];
}

/**
 * The ipfilter of every port in two table-wide sets, `ifname . address` (`"tap100i0" .
 * 192.0.2.10`), matched as `iifname . ip saddr != @ipfilter_v4 drop`. Why not one set per NIC, as
 * the ipsets are: the kernel's load time grows with (sets in the table) × (rules that look one
 * up), and with ipfilter on most guests the per-NIC sets were most of the sets (bench/RESULTS.md).
 * The lookup is the same single set lookup per packet. Ports are distinct keys and each NIC's
 * CIDRs are disjoint (resolve-ipsets.ts), so no two elements overlap.
 */
class IpFilterSets {
  private readonly v4: nft.Value[] = [];
  private readonly v6: nft.Value[] = [];
  private used = false;

  add(device: string, set: ir.IpSet): void {
    this.used = true;
    const port: nft.Value = { kind: 'str', value: device };
    for (const c of sortCidrs(set.v4))
      this.v4.push({ kind: 'concat', values: [port, cidrValue(c)] });
    for (const c of sortCidrs(set.v6))
      this.v6.push({ kind: 'concat', values: [port, cidrValue(c)] });
  }

  /** `iifname . <addr> != @ipfilter_vN`: true when the frame's source address is not allowed on
   * the port it came in on. */
  mismatch(family: ir.IpFamily, addr: nft.Expr): nft.Stmt {
    return match(
      { kind: 'concat', exprs: [meta('iifname'), addr] },
      { kind: 'set-ref', name: names.bridge.ipfilter(family) },
      '!=',
    );
  }

  toNamedSets(): nft.NamedSet[] {
    if (!this.used) return [];
    return ([4, 6] as const).map((family) => ({
      name: names.bridge.ipfilter(family),
      type: ['ifname', family === 4 ? 'ipv4_addr' : 'ipv6_addr'],
      interval: true,
      comment: `ipfilter: the source addresses each guest port may use (IPv${family})`,
      elements: family === 4 ? this.v4 : this.v6,
    }));
  }
}

/**
 * THE ONE PLACE TO ADJUST after the e2e lab run (docs/reference.md §nft-reject-replies): the answer
 * that bridge `reject` forges for a guest's own outbound REJECT is sent back to the guest through
 * bridge output and postrouting, without conntrack, and would be swallowed by the guest's inbound
 * chain. Let those replies through before the per-port dispatch. `iifname` cannot tell them apart
 * (it is empty for every frame in bridge postrouting, and nft refuses `iifname ""`), so the match
 * is: no conntrack (`ct state invalid`) and only the packet types reject produces: TCP RST, ICMP /
 * ICMPv6 destination-unreachable. A candidate tightening to verify in the lab: `meta pkttype host`
 * (forwarded frames carry `otherhost`).
 */
function rejectReplyRules(): nft.Rule[] {
  const comment = 'reply forged by bridge reject';
  return [
    {
      stmts: [ctState('invalid'), match(payload('tcp', 'flags'), sym('rst')), verdict(ACCEPT)],
      comment,
    },
    {
      stmts: [
        ctState('invalid'),
        match(payload('icmp', 'type'), sym('destination-unreachable')),
        verdict(ACCEPT),
      ],
      comment,
    },
    {
      stmts: [
        ctState('invalid'),
        match(payload('icmpv6', 'type'), sym('destination-unreachable')),
        verdict(ACCEPT),
      ],
      comment,
    },
  ];
}
