// The explanation `fwgen simulate` prints: the packet, the path (hook, table, chain, rule; the
// config line of each rule made from one), the assumptions and pve-firewall's last line
// `ACTION: …`; or the same as one JSON object. Rule text comes from the real emitter.
import { emitText } from '../nft/emit-text.js';
import type * as nft from '../nft/model.js';
import type { Step } from './evaluate.js';
import type { SimulateResult } from './simulate.js';
import { PROTOCOLS } from '../data/protocols.js';

const texts = new WeakMap<nft.Rule, string>();
/** A rule as `nft list` would show it, from emit-text (the one place rules become text). */
export function ruleText(rule: nft.Rule, table: nft.Table): string {
  let t = texts.get(rule);
  if (t === undefined) {
    // the table's sets, maps and chains by name only: what the emitter checks references against
    const script: nft.Script = {
      commands: [
        {
          kind: 'define-table',
          table: {
            family: table.family,
            name: table.name,
            sets: table.sets.map((s) => ({ ...s, elements: [] })),
            maps: table.maps.map((m) => ({ ...m, elements: [] })),
            ctHelpers: table.ctHelpers,
            chains: [
              ...table.chains.map((c) => ({ name: c.name, rules: [] })),
              { name: 'simulate_rule', rules: [rule] },
            ],
          },
        },
      ],
    };
    const lines = emitText(script).split('\n');
    const i = lines.findIndex((l) => /^\s*chain simulate_rule \{$/.test(l));
    t = (lines[i + 1] ?? '').trim();
    texts.set(rule, t);
  }
  return t;
}

const where = (o: nft.RuleOrigin): string => `${o.file}:${o.line}`;

function protoName(n: number): string {
  return PROTOCOLS.find((p) => p.number === n)?.name ?? (n === 58 ? 'icmpv6' : String(n));
}

function endpoint(e: SimulateResult['from']): string {
  if (e.kind === 'host') return 'host';
  const port = `${e.bridge}/${e.port}`;
  return e.zone === port ? port : `${e.zone} (${port})`;
}

export function renderText(r: SimulateResult, verbose: boolean): string {
  const p = r.packet;
  const out: string[] = ['Test packet:'];
  const field = (k: string, v: string | number): void => void out.push(`  ${k.padEnd(8)}: ${v}`);
  field('from', endpoint(r.from));
  field('to', endpoint(r.to));
  field('proto', protoName(p.proto));
  field('source', p.saddr);
  field('dest', p.daddr);
  if (p.sport !== null) field('sport', p.sport);
  if (p.dport !== null) field('dport', p.dport);
  if (p.icmpType !== null) field('type', p.icmpType);
  field('smac', p.smac);
  field('dmac', `${p.dmac}${r.cast === 'unicast' ? '' : ` (${r.cast})`}`);
  field('state', p.ct);
  out.push('', 'Path:');
  let hopIndex = -1;
  for (const hr of r.path.hops) {
    hopIndex++;
    out.push(`  ${hr.hop.family} ${hr.hop.hook}  [${hr.hop.note}]`);
    if (verbose) {
      const devs = [
        hr.hop.iif && `iif ${hr.hop.iif}`,
        hr.hop.oif && `oif ${hr.hop.oif}`,
        `pkttype ${hr.hop.pkttype}`,
      ].filter(Boolean);
      out.push(`    (${devs.join(', ')})`);
    }
    if (hr.chains.length === 0) out.push('    no fwgen chain here');
    for (const c of hr.chains) {
      out.push(`    ${c.table} ${c.chain} (priority ${c.priority}): ${c.verdict}`);
      for (const s of stepsOf(r, hopIndex, c.table, c.chain)) out.push(...stepLines(s));
    }
  }
  out.push('');
  for (const n of r.notes) out.push(`Note: ${n}`);
  const d = r.path.decidedBy;
  const decisive = r.path.decisive;
  if (d !== null) out.push(`Decided by: ${where(d)}: ${d.text}`);
  else if (decisive !== null)
    out.push(
      `Decided by: ${decisive.table} ${decisive.chain} ${describe(decisive)} (built in, no config line)`,
    );
  else out.push('Decided by: no rule (every chain passed the packet)');
  out.push(`ACTION: ${r.action}`);
  return `${out.join('\n')}\n`;
}

function describe(s: Step): string {
  return s.rule === null ? `policy` : `rule ${s.index + 1}: ${ruleText(s.rule, s.tableModel)}`;
}

/** The steps of one base chain run. */
function stepsOf(r: SimulateResult, hop: number, table: string, chain: string): Step[] {
  return stepRuns(r).get(`${hop} ${table} ${chain}`) ?? [];
}

const runsCache = new WeakMap<SimulateResult, Map<string, Step[]>>();
function stepRuns(r: SimulateResult): Map<string, Step[]> {
  let m = runsCache.get(r);
  if (m !== undefined) return m;
  m = new Map();
  runsCache.set(r, m);
  for (const s of r.path.steps) {
    const key = `${s.hop} ${s.base}`;
    const list = m.get(key) ?? [];
    list.push(s);
    m.set(key, list);
  }
  return m;
}

function stepLines(s: Step): string[] {
  const pad = '      ' + '  '.repeat(s.depth);
  if (s.rule === null) return [`${pad}policy ${s.effect.replace(/^policy /, '')}`];
  const chain = s.depth > 0 ? `${s.chain} ` : '';
  const lines = [`${pad}${chain}#${s.index + 1}: ${ruleText(s.rule, s.tableModel)}  → ${s.effect}`];
  if (s.rule.origin !== undefined)
    lines.push(`${pad}  from ${where(s.rule.origin)}: ${s.rule.origin.text}`);
  return lines;
}

export interface SimulateJson {
  action: SimulateResult['action'];
  packet: SimulateResult['packet'] & { from: string; to: string; cast: string };
  path: {
    hop: string;
    table: string;
    chain: string;
    rule: number | null;
    text: string | null;
    effect: string;
    origin: nft.RuleOrigin | null;
  }[];
  decidedBy: nft.RuleOrigin | null;
  notes: string[];
}

export function renderJson(r: SimulateResult): SimulateJson {
  return {
    action: r.action,
    packet: { ...r.packet, from: r.from.zone, to: r.to.zone, cast: r.cast },
    path: r.path.steps.map((s) => {
      const hop = r.path.hops[s.hop]!.hop;
      return {
        hop: `${hop.family} ${hop.hook}`,
        table: s.table,
        chain: s.chain,
        rule: s.rule === null ? null : s.index + 1,
        text: s.rule === null ? null : ruleText(s.rule, s.tableModel),
        effect: s.effect,
        origin: s.rule?.origin ?? null,
      };
    }),
    decidedBy: r.path.decidedBy,
    notes: r.notes,
  };
}
