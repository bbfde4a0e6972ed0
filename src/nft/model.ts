// The nftables model: tables, chains, sets, maps and rules as typed data. Knows nothing of
// Proxmox; the generator builds it, emit-text.ts / emit-json.ts turn it into `nft -f` input.
// User-controlled text only ever sits in `str` values and comments; the emitters quote both.

export type Family = 'inet' | 'ip' | 'ip6' | 'bridge' | 'netdev' | 'arp';
export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress';

export interface TableRef {
  family: Family;
  name: string;
}

/** One `nft -f` script: applied as a single transaction, in order. */
export interface Script {
  commands: Command[];
}

export type Command =
  /** `add table F N` (creates it if missing, so the delete below never fails). */
  | { kind: 'add-table'; table: TableRef }
  | { kind: 'delete-table'; table: TableRef }
  /** `table F N { … }`: the full definition. */
  | { kind: 'define-table'; table: Table }
  // The commands of an incremental update (src/apply/diff-model.ts): one transaction that edits a
  // table in place. Only regular chains are added or deleted this way; base chains never are.
  /** `add chain F T C` (with its comment); its rules follow as `add-rule`. */
  | { kind: 'add-chain'; table: TableRef; chain: Chain }
  /** `flush chain F T C`: removes the chain's rules (and the references they hold). */
  | { kind: 'flush-chain'; table: TableRef; chain: string }
  /** `delete chain F T C`: only once no rule or map element refers to it any more. */
  | { kind: 'delete-chain'; table: TableRef; chain: string }
  /** `add rule F T C …`: appended at the chain's end. */
  | { kind: 'add-rule'; table: TableRef; chain: string; rule: Rule }
  /** `add set F T S { … }` / `add map …`: the full definition, elements included. */
  | { kind: 'add-set'; table: TableRef; set: NamedSet }
  | { kind: 'add-map'; table: TableRef; map: NamedMap }
  | { kind: 'delete-set' | 'delete-map'; table: TableRef; name: string }
  /** `flush set F T S` / `flush map …`: all elements out, the definition kept. */
  | { kind: 'flush-set' | 'flush-map'; table: TableRef; name: string }
  /** `add element F T S { … }` / `delete element …` on a named set. */
  | { kind: 'add-element' | 'delete-element'; table: TableRef; set: string; elements: Value[] }
  /** The same on a verdict map; a delete names only the keys. */
  | { kind: 'add-map-element'; table: TableRef; map: string; elements: MapElement[] }
  | { kind: 'delete-map-element'; table: TableRef; map: string; keys: Value[] };

export interface MapElement {
  key: Value;
  verdict: Verdict;
}

export interface Table {
  family: Family;
  name: string;
  comment?: string;
  sets: NamedSet[];
  maps: NamedMap[];
  chains: Chain[];
  /** `ct helper` objects, referenced by `ct helper set` statements. */
  ctHelpers?: CtHelper[];
}

/** `ct helper <name> { type "<type>" protocol <protocol>; l3proto <l3proto>; }` */
export interface CtHelper {
  name: string;
  /** The kernel helper (`ftp`, `netbios-ns`); a generated constant, never user text. */
  type: string;
  protocol: 'tcp' | 'udp';
  l3proto: 'ip' | 'ip6' | 'inet';
}

export interface BaseChainSpec {
  type: 'filter' | 'nat' | 'route';
  hook: Hook;
  priority: number;
  policy: 'accept' | 'drop';
  /** netdev ingress only */
  device?: string;
}

export interface Chain {
  name: string;
  base?: BaseChainSpec;
  comment?: string;
  rules: Rule[];
}

/** Key types of named sets and maps, as nft spells them (`ipv4_addr`, `ifname`, `ether_addr`, …). */
export type KeyType =
  | 'ipv4_addr'
  | 'ipv6_addr'
  | 'ether_addr'
  | 'ifname'
  | 'inet_service'
  | 'inet_proto'
  | 'mark'
  | 'icmp_type'
  | 'icmpv6_type'
  | 'pkt_type'
  | 'fib_addrtype';

export interface NamedSet {
  name: string;
  /** One type, or several for a concatenation (`ifname . ether_addr`). */
  type: KeyType | KeyType[];
  interval: boolean;
  autoMerge?: boolean;
  comment?: string;
  elements: Value[];
  /** A set that rules fill at run time (`update @set { … }`): `flags dynamic,timeout`, each
   * element forgotten `timeout` seconds after its last update; at most `size` elements. */
  dynamic?: { timeout: number; size?: number };
}

export interface NamedMap {
  name: string;
  type: KeyType | KeyType[];
  interval?: boolean;
  comment?: string;
  elements: MapElement[];
}

export interface Rule {
  stmts: Stmt[];
  comment?: string;
  /** The config line the rule was made from (user rules only). The emitters ignore it; `fwgen
   * simulate` names it as the line that decided. */
  origin?: RuleOrigin;
}

/** A config line: `path` as loaded (relative to --root), 1-based `line`, the line's text. */
export interface RuleOrigin {
  file: string;
  line: number;
  text: string;
}

export type Verdict =
  | { kind: 'accept' }
  | { kind: 'drop' }
  | { kind: 'return' }
  | { kind: 'continue' }
  | { kind: 'jump'; chain: string }
  | { kind: 'goto'; chain: string };

export type RejectWith =
  | { kind: 'tcp-reset' }
  /** icmpx/icmp/icmpv6 with a code name such as `port-unreachable`, `host-prohibited`, `admin-prohibited`. */
  | { kind: 'icmpx' | 'icmp' | 'icmpv6'; code: string };

export type Stmt =
  | { kind: 'match'; left: Expr; op: '==' | '!='; right: Value }
  | { kind: 'verdict'; verdict: Verdict }
  | { kind: 'vmap'; key: Expr; map: string }
  | { kind: 'counter' }
  /** `over`: true for packets beyond the rate (`limit rate over`), else within it. */
  | {
      kind: 'limit';
      rate: number;
      per: 'second' | 'minute' | 'hour' | 'day';
      burst?: number;
      over?: boolean;
    }
  | { kind: 'log'; prefix?: string; group?: number; level?: string }
  | { kind: 'reject'; with?: RejectWith }
  | { kind: 'ct-mark-set'; value: number }
  /** or: `meta mark set meta mark | N` (set bits); and: `meta mark set meta mark & N` (keep only
   * the bits of N, to clear the others). */
  | { kind: 'meta-mark-set'; value: number; or?: boolean; and?: boolean }
  /** `queue num N[-M] [fanout,]bypass` (terminal: the reader decides; bypass = accept when no
   * reader is bound). */
  | { kind: 'queue'; from: number; to: number; fanout: boolean; bypass: boolean }
  /** `update @set { key [limit …] }`: adds the key to a dynamic set or refreshes its timeout; with
   * a limit, each element keeps its own token bucket and the statement is true when the limit
   * matches. */
  | { kind: 'set-update'; set: string; key: Expr; limit?: LimitStmt }
  /** `ct helper set "<name>"`: attach a `ct helper` object of the table to the connection. */
  | { kind: 'ct-helper-set'; helper: string };

export type LimitStmt = Extract<Stmt, { kind: 'limit' }>;

export type PayloadProto =
  | 'ether'
  | 'vlan'
  | 'arp'
  | 'ip'
  | 'ip6'
  | 'tcp'
  | 'udp'
  | 'udplite'
  | 'sctp'
  | 'dccp'
  | 'th'
  | 'icmp'
  | 'icmpv6';

export type Expr =
  /** e.g. `tcp dport`, `ip saddr`, `ether daddr`, `icmpv6 type`, `arp saddr ip` (field 'saddr ip'). */
  | { kind: 'payload'; proto: PayloadProto; field: string }
  | {
      kind: 'meta';
      key:
        | 'iifname'
        | 'oifname'
        | 'l4proto'
        | 'protocol'
        | 'nfproto'
        | 'pkttype'
        | 'ibrname'
        | 'obrname'
        | 'mark';
    }
  | { kind: 'ct'; key: 'state' | 'mark' | 'status' | 'helper' }
  /** `fib saddr type`, `fib daddr type`: address types (broadcast, multicast, local…). */
  | { kind: 'fib'; flags: ('saddr' | 'daddr' | 'iif' | 'oif')[]; result: 'type' | 'oif' }
  /** `EXPR & MASK`, as in `tcp flags & (fin | syn)`. */
  | { kind: 'and'; expr: Expr; mask: Value }
  | { kind: 'concat'; exprs: Expr[] };

export type Value =
  /** Quoted text (interface names). The emitter quotes it; never put it in a `sym`.
   * Every `str` is an interface/bridge name: the emitters validate it (1..15 bytes, no `/ : " \`,
   * whitespace or control characters) and throw NftNameError instead of altering it.
   * A trailing `*` is literal (`\*`) unless `wildcard` is set, then it matches by prefix. */
  | { kind: 'str'; value: string; wildcard?: boolean }
  | { kind: 'num'; value: number }
  /** A literal the generator controls: keywords and constants (`tcp`, `echo-request`, `established`,
   * `broadcast`), IP and MAC addresses. The emitter refuses anything outside [A-Za-z0-9_.:/-]. */
  | { kind: 'sym'; value: string }
  | { kind: 'prefix'; addr: string; len: number }
  | { kind: 'range'; from: Value; to: Value }
  /** An anonymous set `{ a, b }`. */
  | { kind: 'set'; elements: Value[] }
  /** `@name` */
  | { kind: 'set-ref'; name: string }
  /** Flag lists such as `established,related` or `fin|syn` (joined by `sep`). */
  | { kind: 'flags'; values: string[]; sep: ',' | '|' }
  | { kind: 'concat'; values: Value[] };
