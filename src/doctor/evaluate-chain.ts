// evaluateChain: what a base chain of another table does with one described packet (interfaces,
// protocol, port, conntrack state), following jumps and gotos. Matches it cannot evaluate count
// as "does not match"; the rules skipped that way are reported, so a finding can say it is unsure.
import type { NftChainJson, NftRuleJson, NftTableJson } from './read-ruleset.js';

export interface Packet {
  /** ip/inet hooks: interface names (with br_netfilter the bridge, e.g. virbr0); bridge hooks: the port */
  iif?: string;
  oif?: string;
  /** bridge hooks only */
  ibr?: string;
  obr?: string;
  family: 4 | 6;
  l4: 'tcp' | 'udp';
  sport?: number;
  dport: number;
  ct: 'new' | 'established';
}

export interface Outcome {
  verdict: 'accept' | 'drop';
  /** the rule that decided; null: the chain's policy */
  rule: NftRuleJson | null;
  chain: NftChainJson;
  /** accepting rules skipped because some match was not understood */
  unsure: NftRuleJson[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
type Tri = boolean | null;

export function evaluateChain(table: NftTableJson, chain: NftChainJson, p: Packet): Outcome {
  const unsure: NftRuleJson[] = [];
  const r = walk(table, chain, p, unsure, 0);
  if (r !== null && r.verdict !== 'return')
    return { verdict: r.verdict, rule: r.rule, chain: r.chain, unsure };
  return { verdict: chain.policy === 'drop' ? 'drop' : 'accept', rule: null, chain, unsure };
}

type Step = {
  verdict: 'accept' | 'drop' | 'return';
  rule: NftRuleJson;
  chain: NftChainJson;
} | null;

function walk(
  table: NftTableJson,
  chain: NftChainJson,
  p: Packet,
  unsure: NftRuleJson[],
  depth: number,
): Step {
  if (depth > 16) return null;
  for (const rule of chain.rules) {
    let matches: Tri = true;
    let action: Step | 'none' = 'none';
    for (const e of rule.expr) {
      if (!isObj(e)) continue;
      if (isObj(e.match)) {
        const m = matchExpr(e.match, p);
        matches = m === false ? false : m === null || matches === null ? null : true;
        if (matches === false) break;
        continue;
      }
      if (matches !== true) {
        if (matches === null && ('accept' in e || 'jump' in e || 'goto' in e)) unsure.push(rule);
        break;
      }
      if ('accept' in e) action = { verdict: 'accept', rule, chain };
      else if ('drop' in e || 'reject' in e) action = { verdict: 'drop', rule, chain };
      else if ('return' in e) action = { verdict: 'return', rule, chain };
      else if (isObj(e.jump) || isObj(e.goto)) {
        const target = (isObj(e.jump) ? e.jump : (e.goto as Obj)).target;
        const callee = typeof target === 'string' ? table.chains.get(target) : undefined;
        const r = callee ? walk(table, callee, p, unsure, depth + 1) : null;
        if (r !== null && r.verdict !== 'return') action = r;
        else if (isObj(e.goto)) action = { verdict: 'return', rule, chain };
      } else if (isObj(e.vmap)) break; // verdict maps: not evaluated (treated as no match)
      if (action !== 'none') break;
    }
    if (action !== 'none' && action !== null) return action;
  }
  return null;
}

/** true/false when the match is understood, null when not. */
function matchExpr(m: Obj, p: Packet): Tri {
  const op = typeof m.op === 'string' ? m.op : '==';
  const left = m.left;
  const values = rightValues(m.right);
  const actual = leftValue(left, p);
  if (actual === undefined) return null;
  if (values === null) return null;
  if (op === 'in' || op === '==')
    return actual === null ? false : values.some((v) => same(v, actual));
  if (op === '!=') return actual === null ? true : !values.some((v) => same(v, actual));
  return null;
}

function same(pattern: string | number, actual: string | number): boolean {
  if (
    typeof pattern === 'string' &&
    typeof actual === 'string' &&
    pattern.endsWith('*') &&
    !pattern.endsWith('\\*')
  ) {
    return actual.startsWith(pattern.slice(0, -1));
  }
  return String(pattern) === String(actual);
}

/** The packet's value for the left side; null = the packet has none (no such interface given),
 * undefined = not understood. ct state yields the state name. */
function leftValue(left: unknown, p: Packet): string | number | null | undefined {
  if (!isObj(left)) return undefined;
  if (isObj(left.meta)) {
    switch (left.meta.key) {
      case 'iifname':
      case 'iif':
        return p.iif ?? undefined;
      case 'oifname':
      case 'oif':
        return p.oif ?? undefined;
      case 'ibrname':
      case 'ibriport':
        return p.ibr ?? undefined;
      case 'obrname':
      case 'obriport':
        return p.obr ?? undefined;
      case 'l4proto':
        return p.l4;
      case 'nfproto':
        return p.family === 4 ? 'ipv4' : 'ipv6';
      default:
        return undefined;
    }
  }
  if (isObj(left.payload)) {
    const { protocol, field } = left.payload;
    if ((protocol === 'tcp' || protocol === 'udp') && (field === 'dport' || field === 'sport')) {
      if (protocol !== p.l4) return null;
      return field === 'dport' ? p.dport : (p.sport ?? undefined);
    }
    if (protocol === 'th' && field === 'dport') return p.dport;
    if (protocol === 'th' && field === 'sport') return p.sport ?? undefined;
    return undefined;
  }
  if (isObj(left.ct) && left.ct.key === 'state') return p.ct;
  if (isObj(left.ct) && left.ct.key === 'status') return null; // no dnat/snat on a packet fwgen passes on
  return undefined;
}

function rightValues(right: unknown): (string | number)[] | null {
  if (typeof right === 'string' || typeof right === 'number') return [right];
  if (Array.isArray(right)) return right.flatMap((r) => rightValues(r) ?? []); // ct state flags list
  if (isObj(right) && Array.isArray(right.set)) {
    const out: (string | number)[] = [];
    for (const v of right.set) {
      if (typeof v === 'string' || typeof v === 'number') out.push(v);
      else if (isObj(v) && Array.isArray(v.range) && typeof v.range[0] === 'number') {
        const [a, b] = v.range as number[];
        if (b! - a! > 4096) return null;
        for (let i = a!; i <= b!; i++) out.push(i);
      } else return null;
    }
    return out;
  }
  if (isObj(right) && Array.isArray(right.range) && typeof right.range[0] === 'number') {
    const [a, b] = right.range as number[];
    if (b! - a! > 4096) return null;
    return Array.from({ length: b! - a! + 1 }, (_, i) => a! + i);
  }
  return null;
}

/** One rule as nft would print it, best effort (for findings). */
export function ruleText(rule: NftRuleJson): string {
  const parts = rule.expr.map((e) => exprText(e)).filter((s) => s !== '');
  return parts.join(' ') + (rule.comment ? ` comment "${rule.comment}"` : '');
}

function exprText(e: unknown): string {
  if (!isObj(e)) return '';
  if (isObj(e.match)) {
    const op = e.match.op === '!=' ? '!= ' : '';
    return `${valueText(e.match.left)} ${op}${valueText(e.match.right)}`;
  }
  if ('counter' in e) return 'counter';
  if ('accept' in e) return 'accept';
  if ('drop' in e) return 'drop';
  if ('return' in e) return 'return';
  if ('reject' in e) return 'reject';
  if (isObj(e.jump)) return `jump ${String(e.jump.target)}`;
  if (isObj(e.goto)) return `goto ${String(e.goto.target)}`;
  if ('log' in e) return 'log';
  const k = Object.keys(e)[0];
  return k === undefined ? '' : k;
}

function valueText(v: unknown): string {
  if (typeof v === 'string')
    return /^[A-Za-z0-9_.:/-]+$/.test(v) && !/^(vnet|virbr|docker|br|eth|en|tap|veth)/.test(v)
      ? v
      : `"${v}"`;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map(valueText).join(',');
  if (!isObj(v)) return '?';
  if (isObj(v.meta)) {
    const key = String(v.meta.key);
    const bare = ['iifname', 'oifname', 'ibrname', 'obrname', 'iif', 'oif'].includes(key);
    return `${bare ? '' : 'meta '}${key}`;
  }

  if (isObj(v.payload)) return `${String(v.payload.protocol)} ${String(v.payload.field)}`;
  if (isObj(v.ct)) return `ct ${String(v.ct.key)}`;
  if (Array.isArray(v.set)) return `{ ${v.set.map(valueText).join(', ')} }`;
  if (Array.isArray(v.range)) return v.range.map(valueText).join('-');
  if (isObj(v.prefix)) return `${String(v.prefix.addr)}/${String(v.prefix.len)}`;
  return Object.keys(v)[0] ?? '?';
}
