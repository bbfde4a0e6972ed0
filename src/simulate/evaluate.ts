// evaluatePath: what the compiled nft model does with one packet along its hops: per hop the base
// chains of that hook, in priority order, with jump/goto/return, verdict maps, named and anonymous
// sets (concatenations and intervals included). Runs on the same nft.Script objects the emitters
// print, so it answers for what is loaded. No I/O; an expression it does not know is a bug (throws).
//
// Assumptions, stated in the output: one packet, so limits are within their rate (`limit rate over`
// and metered `update … limit rate over` do not match); log and counter do nothing; a queue has no
// reader (bypass accepts, else drop). The conntrack state is the packet's (`new` or `established`).
import type * as nft from '../nft/model.js';
import type { HostAddrs, Hop, Packet } from './packet.js';
import {
  CT_STATE,
  ETHERTYPE,
  FIB_TYPE,
  icmpTypeNumber,
  inetProto,
  ipNumber,
  macNumber,
  NFPROTO,
  PKTTYPE,
  prefixRange,
  TCP_FLAG,
} from './values.js';

export type Action = 'accept' | 'drop' | 'reject' | 'queue';

/** One rule that did something to the packet (matched and had an effect). */
export interface Step {
  table: string;
  chain: string;
  /** 0-based index in the chain; -1: the chain's policy */
  index: number;
  rule: nft.Rule | null;
  /** what it did: `accept`, `drop`, `reject`, `return`, `jump X`, `goto X`, `vmap → jump X`,
   * `meta mark set`, `queue`, `policy accept` … */
  effect: string;
  /** nesting depth below the base chain (for indentation) */
  depth: number;
  /** The config line of this rule or of the nearest rule up the call stack that has one. */
  origin: nft.RuleOrigin | null;
  /** index of the hop in PathResult.hops, and `table chain` of the base chain it runs under */
  hop: number;
  base: string;
  /** the table itself (its sets and maps, to print the rule) */
  tableModel: nft.Table;
}

export interface HopResult {
  hop: Hop;
  /** base chains run at this hop, in order */
  chains: { table: string; chain: string; priority: number; verdict: 'accept' | Action }[];
  verdict: Action;
}

export interface PathResult {
  action: Action;
  /** For queue: whether nft bypasses (accepts) without a reader. */
  queueBypass?: boolean;
  hops: HopResult[];
  steps: Step[];
  /** The config line behind the decision (see decidedBy()), or null: a built-in rule or policy. */
  decidedBy: nft.RuleOrigin | null;
  /** The step that made the final verdict (or the last verdict-giving step for accept). */
  decisive: Step | null;
}

/** Tables as loaded: every `define-table` of the script (a later one with the same name wins). */
export function scriptTables(script: nft.Script): nft.Table[] {
  const byKey = new Map<string, nft.Table>();
  for (const c of script.commands) {
    if (c.kind === 'define-table') byKey.set(`${c.table.family} ${c.table.name}`, c.table);
    if (c.kind === 'delete-table') byKey.delete(`${c.table.family} ${c.table.name}`);
  }
  return [...byKey.values()];
}

export function evaluatePath(
  tables: readonly nft.Table[],
  hops: readonly Hop[],
  pkt: Packet,
  host: HostAddrs,
): PathResult {
  const st: State = { pkt, host, mark: 0, ctMark: 0, steps: [], last: null };
  const hopResults: HopResult[] = [];
  for (const [hopIndex, hop] of hops.entries()) {
    const bases = baseChains(tables, hop);
    const hr: HopResult = { hop, chains: [], verdict: 'accept' };
    hopResults.push(hr);
    for (const { table, chain } of bases) {
      const ctx: Ctx = { st, hop, table, hopIndex, base: `${label(table)} ${chain.name}` };
      const r = runChain(ctx, chain, 0, null);
      let v: 'accept' | Action;
      if (r.kind === 'return') {
        v = chain.base!.policy;
        const step = pushStep(ctx, chain, -1, null, `policy ${v}`, 0, null);
        if (v === 'drop') st.last = step;
      } else v = r.kind;
      hr.chains.push({
        table: label(table),
        chain: chain.name,
        priority: chain.base!.priority,
        verdict: v,
      });
      if (v !== 'accept') {
        hr.verdict = v;
        return finish(st, hopResults, v, r.kind === 'queue' ? r.bypass : undefined);
      }
    }
  }
  return finish(st, hopResults, 'accept', undefined);
}

function finish(
  st: State,
  hops: HopResult[],
  action: Action,
  queueBypass: boolean | undefined,
): PathResult {
  return {
    action,
    ...(queueBypass === undefined ? {} : { queueBypass }),
    hops,
    steps: st.steps,
    decidedBy: st.last?.origin ?? null,
    decisive: st.last,
  };
}

const label = (t: nft.Table): string => `${t.family} ${t.name}`;

/** The base chains at a hop: bridge tables for bridge hooks; inet, ip and ip6 tables for IP hooks
 * (an ip/ip6 table only for its family). Sorted by priority; ties keep table order. */
function baseChains(
  tables: readonly nft.Table[],
  hop: Hop,
): { table: nft.Table; chain: nft.Chain }[] {
  const out: { table: nft.Table; chain: nft.Chain }[] = [];
  for (const table of tables) {
    if (hop.family === 'bridge' ? table.family !== 'bridge' : table.family === 'bridge') continue;
    if (table.family === 'netdev' || table.family === 'arp') continue;
    for (const chain of table.chains)
      if (chain.base !== undefined && chain.base.hook === hop.hook && chain.base.type === 'filter')
        out.push({ table, chain });
  }
  return out.sort((a, b) => a.chain.base!.priority - b.chain.base!.priority);
}

interface State {
  pkt: Packet;
  host: HostAddrs;
  mark: number;
  ctMark: number;
  steps: Step[];
  /** the step that decides, as known so far */
  last: Step | null;
}

interface Ctx {
  st: State;
  hop: Hop;
  table: nft.Table;
  hopIndex: number;
  base: string;
}

type ChainResult =
  { kind: 'return' } | { kind: 'accept' | 'drop' | 'reject' } | { kind: 'queue'; bypass: boolean };

function pushStep(
  ctx: Ctx,
  chain: nft.Chain,
  index: number,
  rule: nft.Rule | null,
  effect: string,
  depth: number,
  inherited: nft.RuleOrigin | null,
): Step {
  const step: Step = {
    table: label(ctx.table),
    chain: chain.name,
    index,
    rule,
    effect,
    depth,
    origin: rule?.origin ?? inherited,
    hop: ctx.hopIndex,
    base: ctx.base,
    tableModel: ctx.table,
  };
  ctx.st.steps.push(step);
  return step;
}

function runChain(
  ctx: Ctx,
  chain: nft.Chain,
  depth: number,
  inherited: nft.RuleOrigin | null,
): ChainResult {
  if (depth > 32) throw new Error(`simulate: chain nesting deeper than 32 at ${chain.name}`);
  for (let i = 0; i < chain.rules.length; i++) {
    const rule = chain.rules[i]!;
    const origin = rule.origin ?? inherited;
    const r = runRule(ctx, chain, i, rule, depth, origin);
    if (r !== null) return r;
  }
  return { kind: 'return' };
}

/** null: go on with the next rule. */
function runRule(
  ctx: Ctx,
  chain: nft.Chain,
  index: number,
  rule: nft.Rule,
  depth: number,
  origin: nft.RuleOrigin | null,
): ChainResult | null {
  const { st } = ctx;
  const step = (effect: string): Step => pushStep(ctx, chain, index, rule, effect, depth, origin);
  for (const stmt of rule.stmts) {
    switch (stmt.kind) {
      case 'match':
        if (!matchStmt(ctx, stmt)) return null;
        break;
      case 'counter':
      case 'log':
      case 'ct-helper-set':
        break;
      case 'limit':
        // one packet is within any rate
        if (stmt.over === true) return null;
        break;
      case 'set-update':
        if (stmt.limit?.over === true) return null;
        break;
      case 'ct-mark-set':
        st.ctMark = stmt.value;
        break;
      case 'meta-mark-set':
        // or: set bits, and: clear bits (the bridged mark's clearing), else: the value itself
        st.mark =
          stmt.or === true
            ? (st.mark | stmt.value) >>> 0
            : stmt.and === true
              ? (st.mark & stmt.value) >>> 0
              : stmt.value;
        step(`meta mark set 0x${st.mark.toString(16)}`);
        break;
      case 'reject':
        st.last = step('reject');
        return { kind: 'reject' };
      case 'queue':
        st.last = step(`queue ${stmt.from}${stmt.to !== stmt.from ? `-${stmt.to}` : ''}`);
        return { kind: 'queue', bypass: stmt.bypass };
      case 'verdict':
        return verdict(ctx, stmt.verdict, step, depth, origin, '');
      case 'vmap': {
        const map = ctx.table.maps.find((m) => m.name === stmt.map);
        if (map === undefined) throw new Error(`simulate: no map ${stmt.map}`);
        const key = evalExpr(ctx, stmt.key);
        if (key === undefined) return null;
        const kind = kindOf(stmt.key);
        const hit = map.elements.find((e) => valueMatches(key, e.key, ctx, kind));
        if (hit === undefined) return null;
        return verdict(ctx, hit.verdict, step, depth, origin, `@${map.name} → `);
      }
    }
  }
  return null;
}

function verdict(
  ctx: Ctx,
  v: nft.Verdict,
  step: (effect: string) => Step,
  depth: number,
  origin: nft.RuleOrigin | null,
  via: string,
): ChainResult | null {
  switch (v.kind) {
    case 'accept':
    case 'drop': {
      ctx.st.last = step(`${via}${v.kind}`);
      return { kind: v.kind };
    }
    case 'return': {
      const s = step(`${via}return`);
      // a guest filter chain passes the packet with `return`: that rule decided for this hop
      if (s.origin !== null) ctx.st.last = s;
      return { kind: 'return' };
    }
    case 'continue':
      return null;
    case 'jump':
    case 'goto': {
      step(`${via}${v.kind} ${v.chain}`);
      const target = ctx.table.chains.find((c) => c.name === v.chain);
      if (target === undefined) throw new Error(`simulate: no chain ${v.chain}`);
      const r = runChain(ctx, target, depth + 1, origin);
      if (r.kind !== 'return') return r;
      // goto: the target's end returns to our caller
      return v.kind === 'goto' ? r : null;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// expressions

/** A packet field as a number (ifnames: a string); undefined: the field does not exist for this
 * packet (`tcp dport` of a UDP packet), and then no comparison matches, `!=` included. */
type Field = bigint | string;
type Val = Field | Field[];

/** How model values are read for a field. */
type Kind =
  | 'ip4'
  | 'ip6'
  | 'mac'
  | 'num'
  | 'ifname'
  | 'ct_state'
  | 'tcp_flags'
  | 'pkttype'
  | 'nfproto'
  | 'ethertype'
  | 'inet_proto'
  | 'icmp_type'
  | 'icmpv6_type'
  | 'fib_type';

function kindOf(e: nft.Expr): Kind | Kind[] {
  switch (e.kind) {
    case 'payload':
      if (e.field === 'saddr' || e.field === 'daddr')
        return e.proto === 'ip' ? 'ip4' : e.proto === 'ip6' ? 'ip6' : 'mac';
      if (e.field === 'saddr ip' || e.field === 'daddr ip') return 'ip4';
      if (e.field === 'saddr ether' || e.field === 'daddr ether') return 'mac';
      if (e.field === 'flags' && e.proto === 'tcp') return 'tcp_flags';
      if (e.field === 'type' && e.proto === 'icmp') return 'icmp_type';
      if (e.field === 'type' && e.proto === 'icmpv6') return 'icmpv6_type';
      if (e.field === 'type' && e.proto === 'ether') return 'ethertype';
      if (e.field === 'protocol' || e.field === 'nexthdr') return 'inet_proto';
      return 'num';
    case 'meta':
      switch (e.key) {
        case 'iifname':
        case 'oifname':
        case 'ibrname':
        case 'obrname':
          return 'ifname';
        case 'l4proto':
          return 'inet_proto';
        case 'protocol':
          return 'ethertype';
        case 'nfproto':
          return 'nfproto';
        case 'pkttype':
          return 'pkttype';
        case 'mark':
          return 'num';
      }
      break;
    case 'ct':
      return e.key === 'state' ? 'ct_state' : 'num';
    case 'fib':
      return 'fib_type';
    case 'and':
      return kindOf(e.expr);
    case 'concat':
      return e.exprs.map((x) => kindOf(x) as Kind);
  }
  throw new Error(`simulate: unknown expression ${JSON.stringify(e)}`);
}

const PORT_PROTOS: Record<string, number> = { tcp: 6, udp: 17, udplite: 136, sctp: 132, dccp: 33 };

function evalExpr(ctx: Ctx, e: nft.Expr): Val | undefined {
  const { pkt } = ctx.st;
  const hop = ctx.hop;
  switch (e.kind) {
    case 'payload':
      return payloadField(pkt, e.proto, e.field);
    case 'meta':
      switch (e.key) {
        case 'iifname':
          return hop.iif ?? undefined;
        case 'oifname':
          return hop.oif ?? undefined;
        case 'ibrname':
          return hop.ibr ?? undefined;
        case 'obrname':
          return hop.obr ?? undefined;
        case 'l4proto':
          return BigInt(pkt.proto);
        case 'protocol':
          return BigInt(pkt.family === 4 ? ETHERTYPE.ip! : ETHERTYPE.ip6!);
        case 'nfproto':
          return BigInt(hop.family === 'bridge' ? NFPROTO.bridge! : pkt.family === 4 ? 2 : 10);
        case 'pkttype':
          return BigInt(PKTTYPE[hop.pkttype]!);
        case 'mark':
          return BigInt(ctx.st.mark);
      }
      break;
    case 'ct':
      if (e.key === 'state') return BigInt(CT_STATE[pkt.ct]!);
      if (e.key === 'mark') return BigInt(ctx.st.ctMark);
      return undefined;
    case 'fib': {
      if (hop.family === 'bridge') return undefined;
      const addr = e.flags.includes('saddr') ? pkt.saddr : pkt.daddr;
      return BigInt(FIB_TYPE[fibType(ctx.st.host, pkt.family, addr)]!);
    }
    case 'and': {
      const v = evalExpr(ctx, e.expr);
      if (typeof v !== 'bigint') return undefined;
      const mask = scalar(kindOf(e.expr) as Kind, e.mask, ctx);
      if (mask === undefined || typeof mask[0] !== 'bigint') return undefined;
      return v & mask[0];
    }
    case 'concat': {
      const parts: Field[] = [];
      for (const x of e.exprs) {
        const v = evalExpr(ctx, x);
        if (v === undefined || Array.isArray(v)) return undefined;
        parts.push(v);
      }
      return parts;
    }
  }
  throw new Error(`simulate: unknown expression ${JSON.stringify(e)}`);
}

function payloadField(pkt: Packet, proto: nft.PayloadProto, field: string): Field | undefined {
  const ip = (a: string): bigint | undefined => ipNumber(a)?.n;
  switch (proto) {
    case 'ether':
      if (field === 'saddr') return macNumber(pkt.smac);
      if (field === 'daddr') return macNumber(pkt.dmac);
      if (field === 'type') return BigInt(pkt.family === 4 ? ETHERTYPE.ip! : ETHERTYPE.ip6!);
      return undefined;
    case 'ip':
    case 'ip6':
      if ((proto === 'ip') !== (pkt.family === 4)) return undefined;
      if (field === 'saddr') return ip(pkt.saddr);
      if (field === 'daddr') return ip(pkt.daddr);
      if (field === 'protocol' || field === 'nexthdr') return BigInt(pkt.proto);
      return undefined;
    case 'icmp':
    case 'icmpv6':
      if (pkt.proto !== (proto === 'icmp' ? 1 : 58)) return undefined;
      if ((proto === 'icmp') !== (pkt.family === 4)) return undefined;
      if (field === 'type' && pkt.icmpType !== null) return BigInt(pkt.icmpType);
      if (field === 'code' && pkt.icmpCode !== null) return BigInt(pkt.icmpCode);
      return undefined;
    case 'th':
    case 'tcp':
    case 'udp':
    case 'udplite':
    case 'sctp':
    case 'dccp': {
      const want = PORT_PROTOS[proto];
      if (want !== undefined ? pkt.proto !== want : !Object.values(PORT_PROTOS).includes(pkt.proto))
        return undefined;
      if (field === 'sport' && pkt.sport !== null) return BigInt(pkt.sport);
      if (field === 'dport' && pkt.dport !== null) return BigInt(pkt.dport);
      if (field === 'flags' && pkt.proto === 6)
        return BigInt(pkt.ct === 'established' ? TCP_FLAG.ack! : TCP_FLAG.syn!);
      return undefined;
    }
    default:
      // arp, vlan: the simulated packet is an untagged IP frame
      return undefined;
  }
}

/** `fib … type` of an address as the node's IP stack sees it. */
export function fibType(host: HostAddrs, family: 4 | 6, addr: string): string {
  const a = ipNumber(addr);
  if (a === undefined) return 'unspec';
  if (family === 4) {
    if (a.n === 0xffffffffn) return 'broadcast';
    if (a.n >> 28n === 0xen) return 'multicast';
  } else if (a.n >> 120n === 0xffn) return 'multicast';
  for (const h of host.addrs) {
    if (h.family !== family) continue;
    const hn = ipNumber(h.addr)!.n;
    if (hn === a.n) return 'local';
    // the directed broadcast only: kernels since 5.x add no broadcast route for the network
    // address itself
    if (family === 4 && h.len < 31 && a.n === prefixRange(4, hn, h.len)[1]) return 'broadcast';
  }
  return 'unicast';
}

function matchStmt(ctx: Ctx, stmt: Extract<nft.Stmt, { kind: 'match' }>): boolean {
  const v = evalExpr(ctx, stmt.left);
  if (v === undefined) return false;
  const kind = kindOf(stmt.left);
  // bitmask types without `&`: `ct state established,related` = any of these bits
  if ((kind === 'ct_state' || kind === 'tcp_flags') && stmt.left.kind !== 'and') {
    const mask = scalar(kind, stmt.right, ctx);
    if (mask === undefined || typeof mask[0] !== 'bigint' || typeof v !== 'bigint')
      throw new Error(`simulate: cannot read ${JSON.stringify(stmt.right)}`);
    const any = (v & mask[0]) !== 0n;
    return stmt.op === '==' ? any : !any;
  }
  const hit = valueMatches(v, stmt.right, ctx, kind);
  return stmt.op === '==' ? hit : !hit;
}

/** Whether a packet value matches a model value: an element, prefix, range, set or set ref. */
function valueMatches(v: Val, right: nft.Value, ctx: Ctx, kind?: Kind | Kind[]): boolean {
  switch (right.kind) {
    case 'set':
      return right.elements.some((e) => valueMatches(v, e, ctx, kind));
    case 'set-ref': {
      const set = ctx.table.sets.find((s) => s.name === right.name);
      if (set === undefined) throw new Error(`simulate: no set ${right.name}`);
      const k = kind ?? setKind(set.type);
      return set.elements.some((e) => valueMatches(v, e, ctx, k));
    }
    case 'concat': {
      if (!Array.isArray(v) || v.length !== right.values.length) return false;
      const kinds = Array.isArray(kind) ? kind : [];
      return right.values.every((rv, i) => valueMatches(v[i]!, rv, ctx, kinds[i]));
    }
    default: {
      if (Array.isArray(v)) return false;
      const k = (Array.isArray(kind) ? undefined : kind) ?? guessKind(v);
      const r = scalar(k, right, ctx);
      if (r === undefined)
        throw new Error(`simulate: cannot read ${JSON.stringify(right)} as ${k}`);
      if (typeof v === 'string' || typeof r[0] === 'string') {
        if (typeof r[0] !== 'string' || typeof v !== 'string') return false;
        return r[1] === 'prefix' ? v.startsWith(r[0]) : v === r[0];
      }
      return v >= r[0] && v <= (r[1] as bigint);
    }
  }
}

const guessKind = (v: Field): Kind => (typeof v === 'string' ? 'ifname' : 'num');

function setKind(t: nft.KeyType | nft.KeyType[]): Kind | Kind[] {
  const one = (k: nft.KeyType): Kind => {
    switch (k) {
      case 'ipv4_addr':
        return 'ip4';
      case 'ipv6_addr':
        return 'ip6';
      case 'ether_addr':
        return 'mac';
      case 'ifname':
        return 'ifname';
      case 'inet_service':
      case 'mark':
        return 'num';
      case 'inet_proto':
        return 'inet_proto';
      case 'icmp_type':
        return 'icmp_type';
      case 'icmpv6_type':
        return 'icmpv6_type';
      case 'pkt_type':
        return 'pkttype';
      case 'fib_addrtype':
        return 'fib_type';
    }
  };
  return Array.isArray(t) ? t.map(one) : one(t);
}

/** A model value as an inclusive range [lo, hi], or [name, 'exact' | 'prefix'] for ifnames. */
function scalar(
  kind: Kind,
  v: nft.Value,
  ctx: Ctx,
): [bigint, bigint] | [string, 'exact' | 'prefix'] | undefined {
  switch (v.kind) {
    case 'str':
      if (v.wildcard === true && v.value.endsWith('*')) return [v.value.slice(0, -1), 'prefix'];
      return [v.value, 'exact'];
    case 'num':
      return [BigInt(v.value), BigInt(v.value)];
    case 'prefix': {
      const a = ipNumber(v.addr);
      if (a === undefined) return undefined;
      return prefixRange(a.family, a.n, v.len);
    }
    case 'range': {
      const lo = scalar(kind, v.from, ctx);
      const hi = scalar(kind, v.to, ctx);
      if (lo === undefined || hi === undefined) return undefined;
      if (typeof lo[0] !== 'bigint' || typeof hi[1] !== 'bigint') return undefined;
      return [lo[0], hi[1]];
    }
    case 'flags': {
      const table = kind === 'ct_state' ? CT_STATE : TCP_FLAG;
      let n = 0;
      for (const f of v.values) {
        const bit = table[f];
        if (bit === undefined) return undefined;
        n |= bit;
      }
      return [BigInt(n), BigInt(n)];
    }
    case 'sym': {
      const n = symbol(kind, v.value);
      return n === undefined ? undefined : [n, n];
    }
    default:
      return undefined;
  }
}

function symbol(kind: Kind, s: string): bigint | undefined {
  const num = (x: number | undefined): bigint | undefined =>
    x === undefined ? undefined : BigInt(x);
  if (/^0x[0-9a-f]+$/i.test(s)) return BigInt(s);
  if (/^\d+$/.test(s) && kind !== 'ip4') return BigInt(s);
  switch (kind) {
    case 'ip4':
    case 'ip6':
      return ipNumber(s)?.n;
    case 'mac':
      return macNumber(s);
    case 'ct_state':
      return num(CT_STATE[s]);
    case 'tcp_flags':
      return num(TCP_FLAG[s]);
    case 'pkttype':
      return num(PKTTYPE[s]);
    case 'nfproto':
      return num(NFPROTO[s]);
    case 'ethertype':
      return num(ETHERTYPE[s]);
    case 'inet_proto':
      return num(inetProto(s));
    case 'icmp_type':
      return num(icmpTypeNumber('icmp', s));
    case 'icmpv6_type':
      return num(icmpTypeNumber('icmpv6', s));
    case 'fib_type':
      return num(FIB_TYPE[s]);
    case 'num':
    case 'ifname':
      return undefined;
  }
}
