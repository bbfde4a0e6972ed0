// The resolved configuration: every name looked up, every macro and group expanded, every
// value checked. The generator reads only this; it never sees the AST or looks names up.
import type { Span } from '../diag/span.js';

export type IpFamily = 4 | 6;

/** A normalised CIDR (host bits cleared by construction; `len` 32/128 for single addresses). */
export interface Cidr {
  family: IpFamily;
  addr: string;
  len: number;
}
/** An inclusive address range (only in rule address lists). */
export interface AddrRange {
  family: IpFamily;
  from: string;
  to: string;
}
export type AddrItem = ({ kind: 'cidr' } & Cidr) | ({ kind: 'range' } & AddrRange);

/**
 * An IP set with its nomatch entries already applied (pve-firewall's hash:net semantics: the most
 * specific entry decides), so `v4`/`v6` are the exact addresses that match, as disjoint CIDRs.
 */
export interface IpSet {
  /** Unique across the tree: `dc/management`, `guest-100/ipfilter-net0`, `sdn/…`. */
  key: string;
  /** `sdn`: generated from the SDN configuration or the IPAM state (no section of ours). */
  scope: 'dc' | 'guest' | 'sdn';
  vmid: number | null;
  name: string;
  comment: string | null;
  v4: Cidr[];
  v6: Cidr[];
  origin: Span | null;
}

export type AddressMatch =
  /** A literal address list or an alias: fixes the rule's family. */
  | { kind: 'addresses'; family: IpFamily; items: AddrItem[] }
  /** An IP set: family-neutral, the rule is emitted once per family that the set has. */
  | { kind: 'ipset'; set: IpSet };

export interface PortRange {
  from: number;
  to: number;
}

export type Proto =
  | { kind: 'named'; name: string; number: number }
  /** ICMP / ICMPv6: the protocol fixes the family. */
  | { kind: 'icmp'; family: IpFamily; type: IcmpMatch | null };

/** `any` is no type match at all; otherwise an nft type (name or number) and optional code. */
export interface IcmpMatch {
  type: string | number;
  code: number | null;
}

export type Verdict = 'accept' | 'drop' | 'reject';

export interface Rule {
  direction: 'in' | 'out' | 'forward';
  verdict: Verdict;
  /**
   * Host rules: the kernel interface (`iifname` for in, `oifname` for out).
   * Guest rules: the bridge port device of the NIC named by `-i netN` (`tap100i0`).
   */
  iface: string | null;
  /** Guest rules only: the NIC index of `-i netN`, so the rule lands only in that NIC's path. */
  nic: number | null;
  /** Set when the protocol, the addresses or the macro line restrict the rule to one family. */
  family: IpFamily | null;
  proto: Proto | null;
  dport: PortRange[] | null;
  sport: PortRange[] | null;
  source: AddressMatch | null;
  dest: AddressMatch | null;
  /** syslog level 0..7 for a log rule placed before this rule; null = no logging. */
  log: number | null;
  /** What the user wrote, for `comment` in the ruleset: file:line and their comment. */
  origin: Span;
  comment: string | null;
  /** The macro this rule came from, if any (e.g. `SSH`). */
  macro: string | null;
  /** The security group this rule came from, if any. */
  group: string | null;
}

export type Policy = 'ACCEPT' | 'DROP' | 'REJECT';

export interface LogRateLimit {
  enabled: boolean;
  /** e.g. 1 per second */
  rate: number;
  per: 'second' | 'minute' | 'hour' | 'day';
  burst: number;
}

export interface HostOptions {
  enable: boolean;
  logLevelIn: number | null;
  logLevelOut: number | null;
  logLevelForward: number | null;
  smurfLogLevel: number | null;
  tcpFlagsLogLevel: number | null;
  nosmurfs: boolean;
  tcpflags: boolean;
  ndp: boolean;
  nfConntrackAllowInvalid: boolean;
  protectionSynflood: boolean;
  protectionSynfloodRate: number;
  protectionSynfloodBurst: number;
  /** Seconds; also how long the SYN-flood meter remembers an idle source (PF's hashlimit
   * htable-expire). */
  nfConntrackTcpTimeoutSynRecv: number;
  /** e.g. ['ftp', 'tftp'] */
  nfConntrackHelpers: string[];
  /** Kernel settings apply writes (apply/kernel-settings.ts), with the options' defaults. */
  nfConntrackMax: number;
  nfConntrackTcpTimeoutEstablished: number;
  logNfConntrack: boolean;
}

export interface GuestOptions {
  enable: boolean;
  policyIn: Policy;
  policyOut: Policy;
  logLevelIn: number | null;
  logLevelOut: number | null;
  macfilter: boolean;
  dhcp: boolean;
  ndp: boolean;
  radv: boolean;
  ipfilter: boolean;
  /** `ips: 1`: accepted inbound traffic goes to these NFQUEUE queues (`ips_queues`, default 0);
   * null = no IPS. */
  ips: { from: number; to: number } | null;
  /** `layer2_protocols`: the ethertypes the guest may send, deduplicated, ascending; null = all. */
  layer2Protocols: number[] | null;
}

export interface Nic {
  index: number;
  /** The bridge port: `tap<vmid>i<N>` (VM) or `veth<vmid>i<N>` (container). */
  device: string;
  /** lower case, colon separated */
  mac: string | null;
  bridge: string | null;
  firewall: boolean;
  vlan: number | null;
  /** Containers: configured static addresses (without prefix length). */
  ip: string | null;
  ip6: string | null;
  /** The `netN:` line of the guest config. */
  origin: Span | null;
  /** The source-address filter of this NIC when ipfilter applies (explicit set + implicit entries). */
  ipfilter: IpSet | null;
}

export interface Guest {
  vmid: number;
  type: 'qemu' | 'lxc';
  options: GuestOptions;
  /** Every NIC of the config; the generator filters those with `firewall` on (and options.enable). */
  nics: Nic[];
  /** in and out rules in file order, macros and groups expanded, invalid/disabled ones gone. */
  rules: Rule[];
  origin: Span | null;
}

export interface CorosyncLink {
  /** this node's address on the link */
  local: string;
  peers: string[];
  family: IpFamily;
}

/** An `sdn/firewall/<vnet>.fw` file (proxmox-firewall only): its FORWARD rules judge traffic
 * bridged between the ports of the VNet's bridge and between that bridge and the host. */
export interface Vnet {
  /** The VNet id, which is its bridge's name on every node (the file's base name). */
  name: string;
  enabled: boolean;
  policyForward: Policy;
  logLevelForward: number | null;
  /** FORWARD rules in file order, GROUP lines expanded to their groups' FORWARD rules. */
  rules: Rule[];
  /** The `enable` option line (what turned the file on), else the file's first line. */
  origin: Span;
}

export interface Config {
  /** cluster `enable` (a stale timestamp counts as off). When false nothing else matters. */
  enabled: boolean;
  /** cluster `ebtables`: pve-firewall's layer-2 filter for guests (non-IP MAC filter, ARP
   * filter, layer2_protocols). */
  ebtables: boolean;
  policyIn: Policy;
  policyOut: Policy;
  /** cluster `policy_forward`: routed traffic (proxmox-firewall's meaning). */
  policyForward: Policy;
  logRatelimit: LogRateLimit;
  host: {
    options: HostOptions;
    /** host.fw rules first, then cluster.fw rules (pve-firewall order); FORWARD rules judge
     * routed traffic. */
    rules: Rule[];
  };
  /** `management` ipset merged with the local network. */
  management: IpSet;
  /** The local network(s) used for outbound management allowances. */
  localNetwork: Cidr[];
  blacklist: IpSet | null;
  corosync: { multicast: boolean; links: CorosyncLink[] };
  guests: Guest[];
  /** Every VNet file, sorted by name; the generator compiles the enabled ones. */
  vnets: Vnet[];
}
