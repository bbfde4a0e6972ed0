// diagnoseHost: facts about the live system (ruleset JSON, sysctls, kernel features, services)
// + what fwgen's config needs → findings. Pure: gather-facts.ts reads the system. The rule it
// checks (docs/reference.md §nft-base-chains): a packet must be accepted by EVERY base chain on its
// hook, in every table; `accept` in another table never overrides a drop here, nor ours one there.
// With br_netfilter, bridged guest traffic also passes the ip/inet hooks (docs/reference.md
// §nft-br-netfilter).
import { evaluateChain, ruleText, type Packet } from './evaluate-chain.js';
import type { Finding, FindingPlace } from './finding.js';
import { readRuleset, type NftChainJson, type NftTableJson } from './read-ruleset.js';

export interface HostFacts {
  /** `nft -j list ruleset` parsed; null when it could not be read (rulesetError says why) */
  ruleset: unknown;
  rulesetError?: string;
  /** br_netfilter loaded (the sysctls exist) and its bridge-nf-call-ip(6)tables values */
  brNetfilter: {
    loaded: boolean | null;
    callIptables: boolean | null;
    callIp6tables: boolean | null;
  };
  ipForward: { v4: boolean | null; v6: boolean | null };
  /** `nft -c` accepted a bridge `reject` / bridge `ct state` (the modules load); null: unknown */
  bridgeReject: boolean | null;
  bridgeConntrack: boolean | null;
  /** systemd units that would fight over the same kernel: pve-firewall, proxmox-firewall… */
  activeServices: string[];
  /** `iptables-legacy-save` / `ip6tables-legacy-save` output, when the tools exist */
  iptablesLegacy: { family: 4 | 6; save: string }[];
}

export interface DoctorConfig {
  /** fwgen's own table name (both families) */
  tableName: string;
  /** filtered guest NICs */
  nics: { guest: string; device: string; bridge: string }[];
  /** bridges whose guests must reach the host's dnsmasq (libvirt networks) */
  serviceBridges: string[];
  /** bridges whose guests the host routes (libvirt nat/route networks) */
  routedBridges: string[];
}

interface Flow {
  /** plain words: "traffic from guests on virbr0" */
  what: string;
  families: string[];
  hooks: string[];
  packet: Packet;
  bridges: string[];
}

export function diagnoseHost(facts: HostFacts, config: DoctorConfig): Finding[] {
  const findings: Finding[] = [];
  findings.push(...kernelFindings(facts, config));
  if (facts.ruleset === null || facts.ruleset === undefined) {
    findings.push({
      severity: 'block',
      code: 'ruleset-unreadable',
      where: null,
      message: `cannot read the running ruleset: ${facts.rulesetError ?? 'nft -j list ruleset failed'}`,
      fix: 'run fwgen doctor as root on the host, with nft (nftables) installed',
    });
    return findings;
  }
  const ruleset = readRuleset(facts.ruleset);
  // libvirt's own tables only concern its networks (guest_input/output reject spoofed or foreign
  // addresses on purpose): libvirt's intent, not a conflict.
  const foreign = ruleset.tables.filter(
    (t) =>
      !(t.name === config.tableName && (t.family === 'inet' || t.family === 'bridge')) &&
      !t.name.startsWith('libvirt'),
  );
  const blocked = new Map<
    string,
    {
      place: FindingPlace;
      table: NftTableJson;
      chain: NftChainJson;
      flows: Flow[];
      byPolicy: boolean;
      sure: boolean;
    }
  >();
  for (const flow of flows(facts, config)) {
    for (const table of foreign) {
      if (!flow.families.includes(table.family)) continue;
      for (const chain of table.chains.values()) {
        if (chain.hook === undefined || !flow.hooks.includes(chain.hook)) continue;
        const out = evaluateChain(table, chain, flow.packet);
        if (out.verdict !== 'drop') continue;
        const key = `${table.family} ${table.name} ${chain.name} ${out.rule?.handle ?? 'policy'}`;
        const entry = blocked.get(key) ?? {
          place: {
            ...placeOf(chain),
            ...(out.rule ? { handle: out.rule.handle, rule: ruleText(out.rule) } : {}),
          },
          table,
          chain,
          flows: [],
          byPolicy: out.rule === null,
          sure: false,
        };
        if (!entry.flows.some((f) => f.what === flow.what)) entry.flows.push(flow);
        entry.sure ||= out.unsure.length === 0; // one flow surely dropped is enough
        blocked.set(key, entry);
      }
    }
  }
  for (const b of blocked.values()) {
    const what = b.byPolicy
      ? `its policy drop`
      : `a catch-all ${/reject/.test(b.place.rule ?? '') ? 'reject' : 'drop'} rule`;
    const who = owner(b.table);
    const lost = b.flows.map((f) => f.what).join('; ');
    findings.push({
      severity: b.sure ? 'block' : 'warn',
      code: codeOf(b.table, b.chain),
      where: b.place,
      message:
        `${who} ${b.chain.hook} chain drops what fwgen accepts, by ${what}: ${lost}` +
        (!b.sure ? ' (unless a rule doctor cannot evaluate accepts it first)' : ''),
      fix: fixFor(b.table, b.chain, b.flows),
    });
  }
  findings.push(...inputPolicyNotes(foreign, config));
  findings.push(...legacyFindings(facts));
  return findings;
}

function placeOf(c: NftChainJson): FindingPlace {
  return {
    family: c.family,
    table: c.table,
    chain: c.name,
    hook: `type ${c.type ?? 'filter'} hook ${c.hook} priority ${c.prio ?? 0}; policy ${c.policy ?? 'accept'}`,
  };
}

function isDocker(t: NftTableJson): boolean {
  return t.family === 'ip' && t.name === 'filter' && t.chains.has('DOCKER-USER');
}
function isIptablesNft(t: NftTableJson): boolean {
  return (
    ['ip', 'ip6'].includes(t.family) &&
    ['filter', 'nat', 'mangle', 'raw', 'security'].includes(t.name) &&
    [...t.chains.keys()].some((c) => /^[A-Z][A-Z-]*$/.test(c))
  );
}

function owner(t: NftTableJson): string {
  if (isDocker(t)) return `Docker's table ${t.family} ${t.name} (iptables-nft):`;
  if (t.name === 'firewalld') return `firewalld's table ${t.family} ${t.name}:`;
  if (t.name.startsWith('libvirt')) return `libvirt's table ${t.family} ${t.name}:`;
  if (isIptablesNft(t)) return `table ${t.family} ${t.name} (iptables-nft):`;
  return `table ${t.family} ${t.name}:`;
}

function codeOf(t: NftTableJson, c: NftChainJson): string {
  if (isDocker(t)) return 'docker-forward-drop';
  if (t.name === 'firewalld') return 'firewalld-drop';
  if (t.family === 'bridge') return 'foreign-bridge-drop';
  return `foreign-${c.hook}-drop`;
}

function fixFor(t: NftTableJson, c: NftChainJson, fl: Flow[]): string {
  const bridges = [...new Set(fl.flatMap((f) => f.bridges))].sort();
  const set =
    bridges.length === 1 ? `"${bridges[0]}"` : `{ ${bridges.map((b) => `"${b}"`).join(', ')} }`;
  if (isDocker(t)) {
    return [
      "let guest traffic past Docker's FORWARD chain through DOCKER-USER, " +
        'the chain Docker leaves to the admin:',
      ...bridges.flatMap((b) => [
        `iptables -I DOCKER-USER -i ${b} -j ACCEPT`,
        `iptables -I DOCKER-USER -o ${b} -j ACCEPT`,
      ]),
      `(same as: nft insert rule ip filter DOCKER-USER iifname ${set} accept; ` +
        `… oifname ${set} accept); make it`,
      "persistent with a unit ordered After=docker.service; fwgen's bridge table still filters each guest",
    ].join('\n');
  }
  if (t.name === 'firewalld') {
    return bridges
      .map((b) => `firewall-cmd --permanent --zone=trusted --change-interface=${b}`)
      .concat('firewall-cmd --reload   (or stop firewalld: fwgen is then the host firewall)')
      .join('\n');
  }
  if (t.family === 'bridge')
    return (
      `remove the drop from ${c.name} or accept the guest ports there first; ` +
      "fwgen's own bridge table does the per-guest filtering"
    );
  const key = c.hook === 'output' || c.hook === 'postrouting' ? 'oifname' : 'iifname';
  const lines =
    c.hook === 'forward'
      ? [
          `nft insert rule ${t.family} ${t.name} ${c.name} iifname ${set} accept`,
          `nft insert rule ${t.family} ${t.name} ${c.name} oifname ${set} accept`,
        ]
      : c.hook === 'input'
        ? [
            `nft insert rule ${t.family} ${t.name} ${c.name} iifname ${set} udp dport { 67, 547 } accept`,
            `nft insert rule ${t.family} ${t.name} ${c.name} iifname ${set} ` +
              'meta l4proto { tcp, udp } th dport 53 accept',
          ]
        : [`nft insert rule ${t.family} ${t.name} ${c.name} ${key} ${set} accept`];
  return [
    ...lines,
    'and the same lines in the file that defines the table (e.g. /etc/nftables.conf): ' +
      "guests' traffic is then fwgen's to decide",
  ].join('\n');
}

function flows(facts: HostFacts, config: DoctorConfig): Flow[] {
  const out: Flow[] = [];
  const nicsByBridge = new Map<string, string[]>();
  for (const n of config.nics)
    nicsByBridge.set(n.bridge, [...(nicsByBridge.get(n.bridge) ?? []), n.device]);
  const tcp = (extra: Partial<Packet>): Packet => ({
    family: 4,
    l4: 'tcp',
    dport: 80,
    ct: 'new',
    ...extra,
  });
  // Bridge hooks: every filtered guest port, both directions.
  for (const n of config.nics) {
    out.push({
      what: `traffic of guest '${n.guest}' (${n.device} on ${n.bridge})`,
      families: ['bridge'],
      hooks: ['prerouting', 'forward', 'input', 'postrouting', 'output'],
      packet: tcp({ iif: n.device, ibr: n.bridge }),
      bridges: [n.bridge],
    });
    out.push({
      what: `traffic to guest '${n.guest}' (${n.device} on ${n.bridge})`,
      families: ['bridge'],
      hooks: ['forward', 'postrouting'],
      packet: tcp({ oif: n.device, obr: n.bridge }),
      bridges: [n.bridge],
    });
  }
  // br_netfilter: bridged IPv4/IPv6 also passes ip/inet (ip6/inet) prerouting, forward, postrouting.
  const bridged: [4 | 6, boolean | null, string[]][] = [
    [4, facts.brNetfilter.callIptables, ['ip', 'inet']],
    [6, facts.brNetfilter.callIp6tables, ['ip6', 'inet']],
  ];
  for (const [family, on, families] of bridged) {
    if (on !== true) continue;
    for (const bridge of nicsByBridge.keys()) {
      out.push({
        what: `bridged IPv${family} traffic of guests on ${bridge} (br_netfilter is on)`,
        families,
        hooks: ['prerouting', 'forward', 'postrouting'],
        packet: tcp({ family, iif: bridge, oif: bridge }),
        bridges: [bridge],
      });
    }
  }
  for (const bridge of config.routedBridges) {
    out.push({
      what: `routed traffic from guests on ${bridge}`,
      families: ['ip', 'inet'],
      hooks: ['prerouting', 'forward'],
      packet: tcp({ iif: bridge }),
      bridges: [bridge],
    });
    out.push({
      what: `replies routed back to guests on ${bridge}`,
      families: ['ip', 'inet'],
      hooks: ['forward', 'postrouting'],
      packet: tcp({ oif: bridge, ct: 'established' }),
      bridges: [bridge],
    });
  }
  for (const bridge of config.serviceBridges) {
    out.push({
      what: `DHCP from guests on ${bridge} to libvirt's dnsmasq`,
      families: ['ip', 'inet'],
      hooks: ['prerouting', 'input'],
      packet: { family: 4, l4: 'udp', sport: 68, dport: 67, ct: 'new', iif: bridge },
      bridges: [bridge],
    });
    out.push({
      what: `DNS from guests on ${bridge} to libvirt's dnsmasq`,
      families: ['ip', 'inet'],
      hooks: ['prerouting', 'input'],
      packet: { family: 4, l4: 'udp', dport: 53, ct: 'new', iif: bridge },
      bridges: [bridge],
    });
    out.push({
      what: `DHCP answers from dnsmasq to guests on ${bridge}`,
      families: ['ip', 'inet'],
      hooks: ['output', 'postrouting'],
      packet: { family: 4, l4: 'udp', sport: 67, dport: 68, ct: 'new', oif: bridge },
      bridges: [bridge],
    });
  }
  return out;
}

function kernelFindings(facts: HostFacts, config: DoctorConfig): Finding[] {
  const out: Finding[] = [];
  const filtering = config.nics.length > 0;
  if (filtering && facts.bridgeReject === false) {
    out.push({
      severity: 'block',
      code: 'no-bridge-reject',
      where: null,
      message:
        'this kernel cannot reject in the bridge family (nft_reject_bridge is missing): ' +
        "fwgen's guest table will not load",
      fix:
        'use a kernel with CONFIG_NFT_REJECT_BRIDGE ' +
        '(Debian and Proxmox kernels have it: modprobe nft_reject_bridge)',
    });
  }
  if (filtering && facts.bridgeConntrack === false) {
    out.push({
      severity: 'block',
      code: 'no-bridge-conntrack',
      where: null,
      message:
        'this kernel has no conntrack in the bridge family (nf_conntrack_bridge is missing): ' +
        "fwgen's stateful guest rules will not load",
      fix: 'use a kernel with CONFIG_NF_CONNTRACK_BRIDGE (modprobe nf_conntrack_bridge)',
    });
  }
  if (config.routedBridges.length > 0 && facts.ipForward.v4 === false) {
    out.push({
      severity: 'block',
      code: 'ip-forward-off',
      where: null,
      message:
        `net.ipv4.ip_forward is 0, but guests on ${config.routedBridges.join(', ')} are routed ` +
        '(libvirt nat/route network): their traffic goes nowhere',
      fix:
        'sysctl -w net.ipv4.ip_forward=1 and set it in /etc/sysctl.d/ ' +
        '(libvirt sets it when it starts a NAT network)',
    });
  }
  for (const s of facts.activeServices) {
    out.push({
      severity: 'block',
      code: 'other-firewall-active',
      where: null,
      message:
        `${s} is active: ` +
        "it manages the same kernel firewall and replaces or contradicts fwgen's rules",
      fix: `systemctl disable --now ${s}`,
    });
  }
  const b = facts.brNetfilter;
  if (b.loaded === true && (b.callIptables === true || b.callIp6tables === true)) {
    out.push({
      severity: 'info',
      code: 'br-netfilter-on',
      where: null,
      message:
        `br_netfilter is loaded with bridge-nf-call-iptables=${b.callIptables ? 1 : 0}, ` +
        `bridge-nf-call-ip6tables=${b.callIp6tables ? 1 : 0}: ` +
        'bridged guest traffic also passes every ip/inet prerouting, forward and postrouting chain ' +
        '(a Proxmox host loads it; Docker does too)',
      fix: null,
    });
  } else if (b.loaded === false) {
    out.push({
      severity: 'info',
      code: 'br-netfilter-off',
      where: null,
      message:
        'br_netfilter is not loaded: bridged guest traffic passes only bridge-family chains ' +
        '(fwgen filters guests there)',
      fix: null,
    });
  }
  return out;
}

function inputPolicyNotes(foreign: NftTableJson[], config: DoctorConfig): Finding[] {
  const out: Finding[] = [];
  for (const t of foreign) {
    if (t.family === 'bridge' || t.family === 'netdev' || t.family === 'arp') continue;
    for (const c of t.chains.values()) {
      if (c.hook !== 'input' || c.policy !== 'drop') continue;
      out.push({
        severity: 'warn',
        code: 'foreign-input-policy',
        where: placeOf(c),
        message:
          `${owner(t)} input policy is drop: a host service that fwgen's host rules accept ` +
          'is still dropped unless this chain accepts it too',
        fix:
          config.serviceBridges.length > 0
            ? null
            : 'accept in this chain what host.fw accepts, ' +
              'or let fwgen be the host firewall and drop this chain',
      });
    }
  }
  return out;
}

function legacyFindings(facts: HostFacts): Finding[] {
  const out: Finding[] = [];
  for (const { family, save } of facts.iptablesLegacy) {
    const tool = family === 4 ? 'iptables' : 'ip6tables';
    const rules = save.split('\n').filter((l) => l.startsWith('-A ')).length;
    let table = '';
    const drops: string[] = [];
    for (const l of save.split('\n')) {
      const t = /^\*(\w+)/.exec(l);
      if (t) table = t[1]!;
      const p = /^:(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) (DROP)/.exec(l);
      if (p) drops.push(`${table} ${p[1]}`);
    }
    if (drops.length > 0) {
      out.push({
        severity: 'block',
        code: 'iptables-legacy-drop',
        where: null,
        message:
          `${tool}-legacy has a drop policy on ${drops.join(', ')}: ` +
          'these x_tables chains run beside nftables and drop what fwgen accepts ' +
          '(nft list ruleset does not show them)',
        fix:
          `inspect with ${tool}-legacy-save; ` +
          `remove them (${tool}-legacy -P <chain> ACCEPT; ${tool}-legacy -F) ` +
          'and stop whatever loads them',
      });
    } else if (rules > 0) {
      out.push({
        severity: 'warn',
        code: 'iptables-legacy-rules',
        where: null,
        message:
          `${rules} ${tool}-legacy rule${rules === 1 ? ' is' : 's are'} loaded: ` +
          'they run beside nftables and are invisible to nft list ruleset',
        fix:
          `inspect with ${tool}-legacy-save; ` +
          'migrate them to nftables (iptables-restore-translate) and flush them',
      });
    }
  }
  return out;
}
