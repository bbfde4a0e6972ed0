// The typed AST of a Proxmox firewall file (`cluster.fw`, `host.fw`, `<vmid>.fw`, vnet `.fw`).
// Built by grammar/pve-fw.peggy; every node carries its span. Holds what was written, not what
// it means: names keep their spelling, values are not yet checked (that is resolve/'s job).
import type { SourceFile, Span } from '../diag/span.js';

/** A token we may point at later. */
export interface Located<T> {
  value: T;
  span: Span;
}

export interface ConfigFile {
  kind: 'config-file';
  file: SourceFile;
  /** Lines before the first section header (pve-firewall skips them). */
  preamble: BodyLine<never>[];
  sections: Section[];
}

export type Section =
  OptionsSection | AliasesSection | IpsetSection | RulesSection | GroupSection | UnknownSection;

/** `[OPTIONS]`, `[ALIASES]`, `[RULES]` (any case) */
interface SectionHeader {
  /** The header line, from `[` to the end of its comment. */
  span: Span;
  /** `# text` after `[IPSET x]`/`[group x]`; a comment on other headers is an error. */
  comment: Located<string> | null;
}

export interface OptionsSection extends SectionHeader {
  kind: 'options';
  body: BodyLine<OptionLine>[];
}
export interface AliasesSection extends SectionHeader {
  kind: 'aliases';
  body: BodyLine<AliasLine>[];
}
export interface IpsetSection extends SectionHeader {
  kind: 'ipset';
  keyword: Located<string>;
  name: Located<string>;
  body: BodyLine<IpsetEntry>[];
}
export interface RulesSection extends SectionHeader {
  kind: 'rules';
  body: BodyLine<RuleLine | GroupRefLine>[];
}
export interface GroupSection extends SectionHeader {
  kind: 'group';
  keyword: Located<string>;
  name: Located<string>;
  body: BodyLine<RuleLine | GroupRefLine>[];
}
/** Any other `[…]` line; its body is kept only as bad lines. */
export interface UnknownSection extends SectionHeader {
  kind: 'unknown-section';
  text: Located<string>;
  body: BodyLine<never>[];
}

export type BodyLine<T> = T | CommentLine | BadLine;

/** `# text` on a line of its own */
export interface CommentLine {
  kind: 'comment';
  span: Span;
  text: string;
}

/** A line the grammar could not read as its section's kind; parse.ts turns it into a diagnostic. */
export interface BadLine {
  kind: 'bad-line';
  span: Span;
  text: string;
}

// enable: 1
export interface OptionLine {
  kind: 'option';
  span: Span;
  key: Located<string>;
  /** Everything after the colon, trimmed; option lines have no comment syntax. */
  value: Located<string>;
}

// myserver 192.0.2.10 # comment
export interface AliasLine {
  kind: 'alias';
  span: Span;
  name: Located<string>;
  value: AddressItem;
  comment: Located<string> | null;
}

// !192.0.2.0/28 # comment
export interface IpsetEntry {
  kind: 'ipset-entry';
  span: Span;
  nomatch: boolean;
  value: AddressItem | AliasRef;
  comment: Located<string> | null;
}

// |IN SSH(ACCEPT) -source +dc/mgmt -log info # admins
export interface RuleLine {
  kind: 'rule';
  span: Span;
  /** false when the line starts with `|` */
  enabled: boolean;
  /** As written (`IN`, `in`, `Out`); checked later. */
  direction: Located<string>;
  action: Action;
  options: RuleOption[];
  comment: Located<string> | null;
}

// GROUP webservers -i net0
export interface GroupRefLine {
  kind: 'group-ref';
  span: Span;
  enabled: boolean;
  keyword: Located<string>;
  name: Located<string>;
  options: RuleOption[];
  comment: Located<string> | null;
}

export type Action =
  /** ACCEPT, DROP, REJECT (as written) */
  | { kind: 'verdict'; span: Span; verdict: Located<string> }
  /** SSH(ACCEPT) */
  | { kind: 'macro'; span: Span; name: Located<string>; verdict: Located<string> };

export type OptionName =
  'iface' | 'proto' | 'dport' | 'sport' | 'source' | 'dest' | 'log' | 'icmp-type';

interface OptionBase {
  kind: 'rule-option';
  span: Span;
  /** The flag as written: `-dport`, `--dport`, `-p` … */
  flag: Located<string>;
}
export type RuleOption =
  | (OptionBase & { name: 'iface' | 'proto' | 'log' | 'icmp-type'; value: Located<string> })
  | (OptionBase & { name: 'dport' | 'sport'; value: PortList })
  | (OptionBase & { name: 'source' | 'dest'; value: AddressSpec })
  /** An unknown flag; reported by validation. */
  | (OptionBase & { name: null; value: Located<string> });

// 22,80:90,http
export interface PortList {
  kind: 'port-list';
  span: Span;
  items: PortItem[];
}
export type PortItem =
  | { kind: 'port'; span: Span; port: number; text: string }
  | { kind: 'port-range'; span: Span; from: number; to: number }
  | { kind: 'port-name'; span: Span; name: string };

export type AddressSpec = IpsetRef | AliasRef | AddressList;

// +dc/management
export interface IpsetRef {
  kind: 'ipset-ref';
  span: Span;
  scope: Located<'dc' | 'guest' | 'sdn'> | null;
  name: Located<string>;
}
// guest/webserver
export interface AliasRef {
  kind: 'alias-ref';
  span: Span;
  scope: Located<'dc' | 'guest'> | null;
  name: Located<string>;
}
// 192.0.2.1,198.51.100.0/24
export interface AddressList {
  kind: 'address-list';
  span: Span;
  items: AddressItem[];
}
/** Textual forms only: whether the text is a valid address is checked in resolve/. */
export type AddressItem =
  | { kind: 'address'; span: Span; family: 4 | 6; address: string; prefix: Located<number> | null }
  | { kind: 'address-range'; span: Span; family: 4 | 6; from: string; to: string };

// ---------------------------------------------------------------------------------------------
// Guest configs (`qemu-server/<vmid>.conf`, `lxc/<vmid>.conf`): only the NICs matter here.

// net0: virtio=BC:24:11:00:01:00,bridge=vmbr0,firewall=1,tag=10
export interface GuestConf {
  kind: 'guest-conf';
  file: SourceFile;
  nics: NicConf[];
}

export interface NicConf {
  kind: 'nic';
  span: Span;
  /** N of `netN` */
  index: Located<number>;
  /** qemu: the model of `model=MAC` (virtio, e1000…); lxc: null */
  model: string | null;
  /** As written (qemu `model=MAC` / `macaddr=`, lxc `hwaddr=`); null when absent. */
  mac: Located<string> | null;
  bridge: Located<string> | null;
  /** `firewall=1`; absent = off (both references). */
  firewall: boolean;
  tag: Located<number> | null;
  /** lxc `ip=` / `ip6=` as written: CIDR, `dhcp`, `manual`, `auto`. */
  ip: Located<string> | null;
  ip6: Located<string> | null;
  /** The bridge port when the inventory names it (libvirt `<target dev='vnet3'/>`); absent:
   * Proxmox's `tap<vmid>i<N>` / `veth<vmid>i<N>`. */
  device?: string;
}

// ---------------------------------------------------------------------------------------------
// corosync.conf: the node list and transport, for the corosync allowances (pve-firewall).

export interface CorosyncConf {
  kind: 'corosync-conf';
  file: SourceFile;
  /** totem.transport (`knet` by default; `udp` = multicast) */
  transport: string | null;
  nodes: CorosyncNode[];
}

export interface CorosyncNode {
  name: string;
  /** ring0_addr … ring7_addr / link number → address (IPs or host names as written) */
  links: { link: number; address: string }[];
}
