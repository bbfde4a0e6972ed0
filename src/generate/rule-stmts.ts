// One ir.Rule → the nft match statements, once per IP family the rule needs, plus the helpers
// every chain builder shares: log statements (limit + NFLOG prefix), verdict rules, comments.
import { basename } from 'node:path';
import type * as ir from '../resolve/ir.js';
import type * as nft from '../nft/model.js';
import { findProtocol } from '../data/protocols.js';
import { ifnameContent } from '../nft/quote.js';
import { IpSets, cidrValue, type SetLookup } from './ipsets.js';
import { names } from './names.js';

export type TableKind = 'inet' | 'bridge';

export interface MatchContext {
  table: TableKind;
  /** Host rules: `iifname` (in) or `oifname` (out) for rule.iface; guest rules: null (the NIC
   * already selected the chain). */
  ifaceKey: 'iifname' | 'oifname' | null;
  sets: SetLookup;
}

/** IR the resolver should never produce (ports without protocol, mixed families…): a bug, thrown. */
export class RuleSkipped extends Error {
  override readonly name = 'RuleSkipped';
}

// ---------------------------------------------------------------------------------------------
// small statement builders

export function match(left: nft.Expr, right: nft.Value, op: '==' | '!=' = '=='): nft.Stmt {
  return { kind: 'match', left, op, right };
}
// Expressions and verdict statements are shared, frozen objects: the model of a 10,000-guest
// table has millions of statements, and a fresh `tcp dport` object in each was a fifth of its
// memory. Nothing mutates a model node (hoist-sets.ts replaces statements, never edits them).
const interned = new Map<string, nft.Expr | nft.Stmt>();
function intern<T extends nft.Expr | nft.Stmt>(key: string, make: () => T): T {
  let v = interned.get(key);
  if (v === undefined) interned.set(key, (v = Object.freeze(make()) as T));
  return v as T;
}
export const payload = (proto: nft.PayloadProto, field: string): nft.Expr =>
  intern(`p ${proto} ${field}`, () => ({ kind: 'payload', proto, field }));
export const meta = (key: Extract<nft.Expr, { kind: 'meta' }>['key']): nft.Expr =>
  intern(`m ${key}`, () => ({ kind: 'meta', key }));
export const ctState = (...states: string[]): nft.Stmt =>
  match(
    { kind: 'ct', key: 'state' },
    states.length === 1 ? sym(states[0] ?? '') : { kind: 'flags', values: states, sep: ',' },
  );
export const sym = (value: string): nft.Value => ({ kind: 'sym', value });
export const num = (value: number): nft.Value => ({ kind: 'num', value });
export const anonSet = (elements: nft.Value[]): nft.Value =>
  elements.length === 1 ? (elements[0] as nft.Value) : { kind: 'set', elements };
export const verdict = (v: nft.Verdict): nft.Stmt =>
  intern(v.kind === 'jump' || v.kind === 'goto' ? `v ${v.kind} ${v.chain}` : `v ${v.kind}`, () => ({
    kind: 'verdict',
    verdict: v,
  }));
export const ACCEPT: nft.Verdict = { kind: 'accept' };
export const DROP: nft.Verdict = { kind: 'drop' };
export const RETURN: nft.Verdict = { kind: 'return' };
export const jump = (chain: string): nft.Verdict => ({ kind: 'jump', chain });
export const goto = (chain: string): nft.Verdict => ({ kind: 'goto', chain });

/** `meta nfproto ipv4` (inet) / `meta protocol ip` (bridge). */
export function familyMatch(table: TableKind, family: ir.IpFamily): nft.Stmt {
  return table === 'inet'
    ? match(meta('nfproto'), sym(family === 4 ? 'ipv4' : 'ipv6'))
    : match(meta('protocol'), sym(family === 4 ? 'ip' : 'ip6'));
}

export function ipProto(family: ir.IpFamily): 'ip' | 'ip6' {
  return family === 4 ? 'ip' : 'ip6';
}

// ---------------------------------------------------------------------------------------------
// logging

export interface LogSpec {
  vmid: number;
  level: number;
  /** PF-like chain name for the prefix (`tap100i0-IN`, `PVEFW-HOST-IN`). */
  chain: string;
  message: string;
}

/** `limit rate R/per burst B packets log prefix "…" group 0` (no limit when disabled). The level
 * lives in the prefix (PF uses NFLOG, which has no level; nft refuses level together with group). */
export function logStmts(spec: LogSpec, ratelimit: ir.LogRateLimit): nft.Stmt[] {
  const stmts: nft.Stmt[] = [];
  if (ratelimit.enabled)
    stmts.push({ kind: 'limit', rate: ratelimit.rate, per: ratelimit.per, burst: ratelimit.burst });
  stmts.push({
    kind: 'log',
    prefix: names.logPrefix(spec.vmid, spec.level, spec.chain, spec.message),
    group: 0,
  });
  return stmts;
}

/** `<file>:<line>` of the rule plus the user's comment. */
export function ruleComment(rule: ir.Rule): string {
  const where = `${basename(rule.origin.file.path)}:${rule.origin.start.line}`;
  return rule.comment !== null && rule.comment !== '' ? `${where} ${rule.comment}` : where;
}

// ---------------------------------------------------------------------------------------------
// matches

const PORT_PAYLOAD: ReadonlyMap<number, nft.PayloadProto> = new Map([
  [6, 'tcp'],
  [17, 'udp'],
  [136, 'udplite'],
  [33, 'dccp'],
  [132, 'sctp'],
]);

function portValue(ports: readonly ir.PortRange[]): nft.Value {
  const items = ports.map((p): nft.Value =>
    p.from === p.to ? num(p.from) : { kind: 'range', from: num(p.from), to: num(p.to) },
  );
  return anonSet(items);
}

function l4protoValue(number: number): nft.Value {
  const p = findProtocol(number);
  const text = p?.nft ?? String(number);
  return /^[0-9]+$/.test(text) ? num(Number(text)) : sym(text);
}

function protoStmts(
  rule: ir.Rule,
  family: ir.IpFamily | null,
  table: TableKind,
  hasAddr: boolean,
): nft.Stmt[] {
  const stmts: nft.Stmt[] = [];
  const proto = rule.proto;
  if (family !== null && !hasAddr) stmts.push(familyMatch(table, family));
  if (proto === null) {
    if (rule.dport !== null || rule.sport !== null)
      throw new RuleSkipped('ports without a protocol');
    return stmts;
  }
  if (proto.kind === 'icmp') {
    const p: nft.PayloadProto = proto.family === 4 ? 'icmp' : 'icmpv6';
    if (proto.type === null) {
      stmts.push(match(meta('l4proto'), sym(p)));
    } else {
      const t = proto.type.type;
      stmts.push(match(payload(p, 'type'), typeof t === 'number' ? num(t) : sym(t)));
      if (proto.type.code !== null) stmts.push(match(payload(p, 'code'), num(proto.type.code)));
    }
    return stmts;
  }
  const portProto = PORT_PAYLOAD.get(proto.number);
  if (rule.sport === null && rule.dport === null) {
    stmts.push(match(meta('l4proto'), l4protoValue(proto.number)));
    return stmts;
  }
  if (portProto === undefined) throw new RuleSkipped(`ports with protocol ${proto.name}`);
  if (rule.sport !== null) stmts.push(match(payload(portProto, 'sport'), portValue(rule.sport)));
  if (rule.dport !== null) stmts.push(match(payload(portProto, 'dport'), portValue(rule.dport)));
  return stmts;
}

function addrItemValue(item: ir.AddrItem): nft.Value {
  if (item.kind === 'cidr') return cidrValue(item);
  return { kind: 'range', from: sym(item.from), to: sym(item.to) };
}

/** Returns null when this family copy can never match (an empty ipset). */
function addrStmt(
  m: ir.AddressMatch,
  field: 'saddr' | 'daddr',
  family: ir.IpFamily,
  sets: SetLookup,
): nft.Stmt | null {
  if (m.kind === 'addresses') {
    if (m.family !== family) throw new RuleSkipped('address family does not match the rule family');
    if (m.items.length === 0) return null;
    return match(payload(ipProto(family), field), anonSet(m.items.map(addrItemValue)));
  }
  if (IpSets.cidrs(m.set, family).length === 0) return null;
  return sets.match(m.set, family, payload(ipProto(family), field));
}

/** The families a rule is emitted for: its own family, both for a family-neutral rule with an
 * ipset, or [null] for a family-neutral rule without addresses (no family match needed). */
export function ruleFamilies(rule: ir.Rule): (ir.IpFamily | null)[] {
  const fixed: ir.IpFamily[] = [];
  if (rule.family !== null) fixed.push(rule.family);
  if (rule.proto?.kind === 'icmp') fixed.push(rule.proto.family);
  for (const m of [rule.source, rule.dest]) if (m?.kind === 'addresses') fixed.push(m.family);
  const first = fixed[0];
  if (first !== undefined) {
    if (fixed.some((f) => f !== first)) throw new RuleSkipped('mixed IPv4/IPv6 in one rule');
    return [first];
  }
  if (rule.source?.kind === 'ipset' || rule.dest?.kind === 'ipset') return [4, 6];
  return [null];
}

/** ruleStmts results per context and rule: a guest rule lands in every NIC's chains, and an IN
 * rule twice per NIC (prerouting and postrouting), so the same statements are shared instead of
 * built again (statements are never mutated). */
const stmtCache = new WeakMap<MatchContext, WeakMap<ir.Rule, nft.Stmt[][]>>();

/** The match statements of a rule, one list per family copy that can match (possibly none). */
export function ruleStmts(rule: ir.Rule, ctx: MatchContext): nft.Stmt[][] {
  let perCtx = stmtCache.get(ctx);
  if (perCtx === undefined) stmtCache.set(ctx, (perCtx = new WeakMap()));
  let stmts = perCtx.get(rule);
  if (stmts === undefined) perCtx.set(rule, (stmts = buildRuleStmts(rule, ctx)));
  return stmts;
}

function buildRuleStmts(rule: ir.Rule, ctx: MatchContext): nft.Stmt[][] {
  const out: nft.Stmt[][] = [];
  const iface: nft.Stmt[] = [];
  if (ctx.ifaceKey !== null && rule.iface !== null) {
    try {
      ifnameContent(rule.iface);
    } catch (e) {
      throw new RuleSkipped(e instanceof Error ? e.message : String(e));
    }
    iface.push(match(meta(ctx.ifaceKey), { kind: 'str', value: rule.iface }));
  }
  for (const family of ruleFamilies(rule)) {
    const stmts = [...iface];
    let never = false;
    if (family !== null) {
      for (const [m, field] of [
        [rule.source, 'saddr'],
        [rule.dest, 'daddr'],
      ] as const) {
        if (m === null) continue;
        const s = addrStmt(m, field, family, ctx.sets);
        if (s === null) never = true;
        else stmts.push(s);
      }
    }
    if (never) continue;
    const hasAddr = rule.source !== null || rule.dest !== null;
    stmts.push(...protoStmts(rule, family, ctx.table, hasAddr));
    out.push(stmts);
  }
  return out;
}

export interface RuleEmit {
  /** What the rule does in this chain (`accept`, `return`, `jump do_reject`…). */
  action: nft.Stmt[];
  /** Log rule placed right before the rule (same match), or null. */
  log: LogSpec | null;
  ratelimit: ir.LogRateLimit;
}

/** The nft rules for one ir.Rule in one chain: per family copy an optional log rule, then the
 * rule itself, both carrying the rule's comment. Throws RuleSkipped. */
export function ruleRules(rule: ir.Rule, ctx: MatchContext, emit: RuleEmit): nft.Rule[] {
  const comment = ruleComment(rule);
  const origin = ruleOrigin(rule);
  const out: nft.Rule[] = [];
  for (const stmts of ruleStmts(rule, ctx)) {
    if (emit.log !== null)
      out.push({ stmts: [...stmts, ...logStmts(emit.log, emit.ratelimit)], comment, origin });
    out.push({ stmts: [...stmts, ...emit.action], comment, origin });
  }
  return out;
}

/** One origin object per ir.Rule, shared by every nft rule made from it (a guest rule lands in
 * each NIC's chains). */
const origins = new WeakMap<ir.Rule, nft.RuleOrigin>();
export function ruleOrigin(rule: ir.Rule): nft.RuleOrigin {
  let o = origins.get(rule);
  if (o === undefined) {
    const { file, start } = rule.origin;
    // from the span's offset, not by splitting the file: cluster.fw may hold thousands of rules
    const from = file.text.lastIndexOf('\n', start.offset - 1) + 1;
    const to = file.text.indexOf('\n', start.offset);
    const text = file.text.slice(from, to < 0 ? undefined : to).trim();
    origins.set(rule, (o = { file: file.path, line: start.line, text }));
  }
  return o;
}
