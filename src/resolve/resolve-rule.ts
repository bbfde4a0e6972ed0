// One rule line → ir.Rule[] (several when a macro has several lines). Checks everything pve-firewall's
// verify_rule checks; any error drops the whole line (pve-firewall keeps it disabled), reported here.
import { Diagnostics } from '../diag/diagnostic.js';
import { OffsetSpan, SelfSpan, type Span } from '../diag/span.js';
import type * as ast from '../syntax/ast.js';
import { findIcmpType, icmpFamilyOfProto, legacyDportIcmpFamily } from '../data/icmp-types.js';
import { LOG_LEVELS, type LogLevelName } from '../data/log-levels.js';
import { findMacro, macroLines, type MacroLine } from '../data/macros.js';
import { findProtocol, protocolHasPorts } from '../data/protocols.js';
import { findService } from '../data/services.js';
import { checkAddressList } from './check-address.js';
import type * as ir from './ir.js';
import type { Scope } from './scope.js';

/** Where a rule line stands: decides the allowed directions and what `-i` means. */
export type RuleContext = 'cluster' | 'host' | 'guest' | 'group' | 'vnet';

const DIRECTIONS: Record<RuleContext, readonly string[]> = {
  cluster: ['in', 'out', 'forward'],
  host: ['in', 'out', 'forward'],
  guest: ['in', 'out'],
  group: ['in', 'out', 'forward'],
  vnet: ['forward'],
};

const VERDICTS = ['ACCEPT', 'DROP', 'REJECT'] as const;
/** pve-firewall's pve-iface format without alias labels (`eth0:1` is no device of its own), ≤ 15 bytes. */
export const HOST_IFACE = /^[a-z][a-z0-9_]{1,20}(\.\d+)?$/i;

interface Fields {
  proto: { text: string; span: Span } | null;
  dport: { list: ast.PortList; span: Span } | null;
  sport: { list: ast.PortList; span: Span } | null;
  icmpType: { text: string; span: Span } | null;
}

export interface RuleSetting {
  context: RuleContext;
  scope: Scope;
  /** guest: NIC indexes the guest has (null = unknown, e.g. checking a .fw alone) */
  nics: ReadonlySet<number> | null;
}

export function resolveRule(
  line: ast.RuleLine,
  setting: RuleSetting,
  outer: Diagnostics,
): ir.Rule[] {
  const diags = new Diagnostics();
  const rules = build(line, setting, diags);
  outer.push(...diags.list);
  return diags.hasErrors ? [] : rules;
}

function build(line: ast.RuleLine, setting: RuleSetting, diags: Diagnostics): ir.Rule[] {
  const direction = checkDirection(line, setting.context, diags);
  const { verdict, macro } = checkAction(line, direction, diags);
  const o = ruleOptions(line, setting, diags);
  const family = addressFamily(o, diags);
  if (diags.hasErrors) return [];
  const base = {
    direction: direction as ir.Rule['direction'],
    verdict: verdict!,
    iface: o.iface,
    nic: o.nic,
    source: o.source,
    dest: o.dest,
    log: o.log,
    origin: offsetsOnly(line.span),
    comment: line.comment?.value ?? null,
    group: null,
  };
  if (!macro) {
    const m = matchFields(o.fields, family, diags);
    if (!m) return [];
    return [withMatches(base, null, m)];
  }
  return expandMacro(base, macro, o.fields, family, line, diags);
}

/** The direction, lower-cased; reported when unknown or not allowed in this context. */
function checkDirection(line: ast.RuleLine, context: RuleContext, diags: Diagnostics): string {
  const direction = line.direction.value.toLowerCase();
  const allowed = DIRECTIONS[context];
  if (!['in', 'out', 'forward'].includes(direction)) {
    diags.error(
      'unknown-direction',
      line.direction.span,
      `unknown direction '${line.direction.value}', expected ${allowed
        .map((d) => d.toUpperCase())
        .join(', ')
        .replace(/, (\w+)$/, ' or $1')}`,
    );
  } else if (!allowed.includes(direction)) {
    diags.error(
      'direction-not-allowed',
      line.direction.span,
      `${direction.toUpperCase()} rules are not allowed ` +
        `in a ${context === 'group' ? 'security group' : `${context} file`}`,
    );
  }
  return direction;
}

interface Macro {
  name: string;
  lines: readonly MacroLine[];
}

/** Action: ACCEPT/DROP/REJECT exactly (pve-firewall is case-sensitive here), or MACRO(ACTION). */
function checkAction(
  line: ast.RuleLine,
  direction: string,
  diags: Diagnostics,
): { verdict: ir.Verdict | null; macro: Macro | null } {
  const verdictTok = line.action.verdict;
  let verdict: ir.Verdict | null = null;
  if ((VERDICTS as readonly string[]).includes(verdictTok.value))
    verdict = verdictTok.value.toLowerCase() as ir.Verdict;
  else
    diags.error(
      'unknown-action',
      verdictTok.span,
      `unknown action '${verdictTok.value}', expected ACCEPT, DROP or REJECT`,
    );
  if (verdict === 'reject' && direction === 'forward') {
    diags.error('forward-reject', verdictTok.span, 'REJECT is not allowed in FORWARD rules');
  }
  let macro: Macro | null = null;
  if (line.action.kind === 'macro') {
    const m = findMacro(line.action.name.value);
    if (!m || !m.knownToPveFirewall) {
      diags.error(
        'unknown-macro',
        line.action.name.span,
        `unknown macro '${line.action.name.value}'`,
      );
    } else {
      macro = { name: m.name, lines: macroLines(m, 'pve-firewall') };
    }
  }
  return { verdict, macro };
}

interface RuleOptions {
  /** Each option given, by name: its first occurrence. */
  seen: Map<string, ast.RuleOption>;
  fields: Fields;
  iface: string | null;
  nic: number | null;
  log: number | null;
  source: ir.AddressMatch | null;
  dest: ir.AddressMatch | null;
}

/** The rule options, each at most once. */
function ruleOptions(
  line: ast.RuleLine,
  { context, scope, nics }: RuleSetting,
  diags: Diagnostics,
): RuleOptions {
  const o: RuleOptions = {
    seen: new Map(),
    fields: { proto: null, dport: null, sport: null, icmpType: null },
    iface: null,
    nic: null,
    log: null,
    source: null,
    dest: null,
  };
  const { seen, fields } = o;
  for (const opt of line.options) {
    if (opt.name === null) {
      diags.error(
        'unknown-rule-option',
        opt.flag.span,
        `unknown rule option '${opt.flag.value}', ` +
          'expected -i, -p, -source, -dest, -dport, -sport, -icmp-type or -log',
      );
      continue;
    }
    const first = seen.get(opt.name);
    if (first) {
      diags.error(
        'duplicate-rule-option',
        opt.flag.span,
        `option '${opt.flag.value}' is given twice`,
        [{ message: 'first given here', span: first.flag.span }],
      );
      continue;
    }
    seen.set(opt.name, opt);
    switch (opt.name) {
      case 'iface': {
        const r = checkIface(opt.value, context, nics, diags);
        if (r) ({ iface: o.iface, nic: o.nic } = r);
        break;
      }
      case 'proto':
        fields.proto = { text: opt.value.value, span: opt.value.span };
        break;
      case 'dport':
        fields.dport = { list: opt.value, span: opt.value.span };
        break;
      case 'sport':
        fields.sport = { list: opt.value, span: opt.value.span };
        break;
      case 'icmp-type':
        fields.icmpType = { text: opt.value.value, span: opt.value.span };
        break;
      case 'log': {
        const lv = opt.value.value as LogLevelName;
        if (lv in LOG_LEVELS) o.log = LOG_LEVELS[lv];
        else
          diags.error(
            'unknown-log-level',
            opt.value.span,
            `unknown log level '${opt.value.value}', ` +
              'expected emerg, alert, crit, err, warning, notice, info, debug or nolog',
          );
        break;
      }
      case 'source':
        o.source = resolveAddress(opt.value, scope, diags) ?? null;
        break;
      case 'dest':
        o.dest = resolveAddress(opt.value, scope, diags) ?? null;
        break;
    }
  }
  return o;
}

/** Families fixed by addresses must agree (pve-firewall: "mixed ipv4/ipv6 addresses in rule"). */
function addressFamily(o: RuleOptions, diags: Diagnostics): ir.IpFamily | null {
  let family: ir.IpFamily | null = null;
  for (const [m, opt] of [
    [o.source, o.seen.get('source')],
    [o.dest, o.seen.get('dest')],
  ] as const) {
    if (m?.kind !== 'addresses') continue;
    if (family !== null && family !== m.family) {
      diags.error('mixed-families', opt!.span, 'rule mixes IPv4 and IPv6 addresses');
    }
    family = m.family;
  }
  return family;
}

/** Macro: one rule per macro line; a field set both by the macro and the rule must agree. */
function expandMacro(
  base: Omit<ir.Rule, 'macro' | keyof Matches>,
  macro: Macro,
  fields: Fields,
  family: ir.IpFamily | null,
  line: ast.RuleLine,
  diags: Diagnostics,
): ir.Rule[] {
  const out: ir.Rule[] = [];
  for (const ml of macro.lines) {
    const merged = mergeMacroLine(fields, ml, macro.name, line, diags);
    if (!merged) continue;
    const lineFamily: ir.IpFamily | null =
      ml.family === 'ipv4' ? 4 : ml.family === 'ipv6' ? 6 : null;
    // e.g. Ping's IPv6 line for an IPv4 rule
    if (lineFamily !== null && family !== null && lineFamily !== family) continue;
    const m = matchFields(merged, family ?? lineFamily, diags);
    if (!m) return [];
    out.push(withMatches(base, macro.name, m));
  }
  if (!diags.hasErrors && out.length === 0) {
    diags.error(
      'macro-family-mismatch',
      line.action.span,
      `macro '${macro.name}' has no line for IPv${family} and this rule's addresses`,
    );
  }
  return diags.hasErrors ? [] : out;
}

function checkIface(
  value: ast.Located<string>,
  context: RuleContext,
  nics: ReadonlySet<number> | null,
  diags: Diagnostics,
) {
  const v = value.value;
  if (context === 'group' || context === 'vnet') {
    diags.error(
      'iface-not-allowed',
      value.span,
      `-i is not allowed in ${context === 'group' ? 'security group' : 'vnet'} rules`,
    );
    return undefined;
  }
  if (context === 'guest') {
    const m = /^net(\d+)$/.exec(v);
    if (!m || Number(m[1]) > 31) {
      diags.error(
        'invalid-iface',
        value.span,
        `invalid guest interface '${v}', expected net0 … net31`,
      );
      return undefined;
    }
    const n = Number(m[1]);
    if (nics && !nics.has(n))
      diags.warning(
        'unknown-nic',
        value.span,
        `the guest has no network device '${v}': this rule never applies`,
      );
    return { iface: null, nic: n };
  }
  if (!HOST_IFACE.test(v) || Buffer.byteLength(v) > 15) {
    diags.error(
      'invalid-iface',
      value.span,
      `invalid interface name '${v}'` +
        (v.includes(':') ? ' (an alias label has no packets of its own: use the device name)' : ''),
    );
    return undefined;
  }
  return { iface: v, nic: null };
}

function resolveAddress(
  spec: ast.AddressSpec,
  scope: Scope,
  diags: Diagnostics,
): ir.AddressMatch | undefined {
  switch (spec.kind) {
    case 'ipset-ref': {
      const set = scope.ipset(spec, diags);
      return set ? { kind: 'ipset', set } : undefined;
    }
    case 'alias-ref': {
      const a = scope.alias(spec, diags);
      return a
        ? { kind: 'addresses', family: a.cidr.family, items: [{ kind: 'cidr', ...a.cidr }] }
        : undefined;
    }
    case 'address-list': {
      const l = checkAddressList(spec, diags);
      return l ? { kind: 'addresses', ...l } : undefined;
    }
  }
}

function mergeMacroLine(
  fields: Fields,
  ml: MacroLine,
  name: string,
  line: ast.RuleLine,
  diags: Diagnostics,
): Fields | undefined {
  const out: Fields = { ...fields };
  const pairs: [keyof Fields, string | undefined, string][] = [
    ['proto', ml.proto, '-p'],
    ['dport', ml.dport, '-dport'],
    ['sport', ml.sport, '-sport'],
    ['icmpType', ml.icmpType, '-icmp-type'],
  ];
  for (const [key, macroValue, flag] of pairs) {
    if (macroValue === undefined || macroValue === '') continue;
    const mine = fields[key];
    const mineText = mine === null ? null : 'list' in mine ? textOfPorts(mine.list) : mine.text;
    if (mine !== null && mineText !== macroValue) {
      diags.error(
        'macro-conflict',
        mine.span,
        `${flag} is already set by macro '${name}' (${macroValue})`,
      );
      return undefined;
    }
    // Macro values are trusted data; give them the action's span for any message about them.
    if (key === 'dport' || key === 'sport')
      out[key] = { list: portsFromMacro(macroValue, line.action.span), span: line.action.span };
    else out[key] = { text: macroValue, span: line.action.span };
  }
  return out;
}

function textOfPorts(list: ast.PortList): string {
  return list.items
    .map((i) =>
      i.kind === 'port' ? i.text : i.kind === 'port-range' ? `${i.from}:${i.to}` : i.name,
    )
    .join(',');
}

function portsFromMacro(text: string, span: Span): ast.PortList {
  const items: ast.PortItem[] = text.split(',').map((t) => {
    const r = /^(\d+):(\d+)$/.exec(t);
    if (r) return { kind: 'port-range', span, from: Number(r[1]), to: Number(r[2]) };
    if (/^\d+$/.test(t)) return { kind: 'port', span, port: Number(t), text: t };
    return { kind: 'port-name', span, name: t };
  });
  return { kind: 'port-list', span, items };
}

type Matches = Pick<ir.Rule, 'proto' | 'dport' | 'sport' | 'family'>;

/** `{ ...base, macro, ...m }` written out: object spreads were most of resolving a rule line. */
function withMatches(
  base: Omit<ir.Rule, 'macro' | keyof Matches>,
  macro: string | null,
  m: Matches,
): ir.Rule {
  return {
    direction: base.direction,
    verdict: base.verdict,
    iface: base.iface,
    nic: base.nic,
    source: base.source,
    dest: base.dest,
    log: base.log,
    origin: base.origin,
    comment: base.comment,
    group: base.group,
    macro,
    proto: m.proto,
    dport: m.dport,
    sport: m.sport,
    family: m.family,
  };
}

/** proto, ports and ICMP type → IR, with pve-firewall's checks. */
function matchFields(
  f: Fields,
  family: ir.IpFamily | null,
  diags: Diagnostics,
): Matches | undefined {
  let proto: ir.Proto | null = null;
  let fam = family;
  if (f.proto) {
    const p = findProtocol(f.proto.text);
    if (!p || !p.listed) {
      diags.error('unknown-protocol', f.proto.span, `unknown protocol '${f.proto.text}'`);
      return undefined;
    }
    const icmpFam =
      icmpFamilyOfProto(f.proto.text) ??
      (p.number === 1 ? 'icmp' : p.number === 58 ? 'icmpv6' : undefined);
    if (icmpFam) {
      const pf: ir.IpFamily = icmpFam === 'icmp' ? 4 : 6;
      if (fam !== null && fam !== pf) {
        diags.error(
          'mixed-families',
          f.proto.span,
          `protocol '${f.proto.text}' is IPv${pf} but the rule's addresses are IPv${fam}`,
        );
        return undefined;
      }
      fam = pf;
      proto = { kind: 'icmp', family: pf, type: null };
    } else {
      proto = { kind: 'named', name: p.name, number: p.number };
    }
  }
  if (f.icmpType) {
    const icmpFam = f.proto ? icmpFamilyOfProto(f.proto.text) : undefined;
    if (!icmpFam || proto?.kind !== 'icmp') {
      diags.error(
        'icmp-type-without-icmp',
        f.icmpType.span,
        '-icmp-type needs -p icmp, icmpv6 or ipv6-icmp',
      );
      return undefined;
    }
    if (f.dport) {
      diags.error(
        'icmp-type-with-dport',
        f.dport.span,
        '-dport cannot be combined with -icmp-type',
      );
      return undefined;
    }
    const t = findIcmpType(icmpFam, f.icmpType.text);
    if (!t || !t.pveFirewall) {
      diags.error(
        'unknown-icmp-type',
        f.icmpType.span,
        `unknown ${icmpFam === 'icmp' ? 'ICMP' : 'ICMPv6'} type '${f.icmpType.text}'`,
      );
      return undefined;
    }
    proto.type = t.nftType === null ? null : { type: t.nftType, code: t.nftCode ?? null };
  }
  let dport: ir.PortRange[] | null = null;
  let sport: ir.PortRange[] | null = null;
  for (const [key, field] of [
    ['dport', f.dport],
    ['sport', f.sport],
  ] as const) {
    if (!field) continue;
    if (!f.proto) {
      diags.error(
        'ports-without-protocol',
        field.span,
        `-${key} needs a protocol with ports (-p tcp, udp, udplite, dccp or sctp)`,
      );
      return undefined;
    }
    // Legacy pve-firewall form: `-p icmp -dport echo-request` names an ICMP type.
    const legacy = key === 'dport' ? legacyDportIcmpFamily(f.proto.text) : undefined;
    if (legacy && proto?.kind === 'icmp') {
      const t = legacyIcmp(field.list, legacy, diags);
      if (t === undefined) return undefined;
      proto.type = t;
      continue;
    }
    if (!protocolHasPorts(f.proto.text)) {
      diags.error(
        'ports-without-protocol',
        field.span,
        `protocol '${f.proto.text}' has no ports; -${key} needs tcp, udp, udplite, dccp or sctp`,
      );
      return undefined;
    }
    const ranges = checkPorts(field.list, diags);
    if (!ranges) return undefined;
    if (key === 'dport') dport = ranges;
    else sport = ranges;
  }
  return { proto, dport, sport, family: fam };
}

function legacyIcmp(
  list: ast.PortList,
  family: 'icmp' | 'icmpv6',
  diags: Diagnostics,
): ir.IcmpMatch | null | undefined {
  if (list.items.length !== 1) {
    diags.error(
      'invalid-icmp-type',
      list.span,
      'an ICMP type in -dport must be a single type name or number',
    );
    return undefined;
  }
  const item = list.items[0]!;
  if (item.kind === 'port') {
    if (item.port > 255) {
      diags.error(
        'invalid-icmp-type',
        item.span,
        `ICMP type ${item.port} is out of range (0..255)`,
      );
      return undefined;
    }
    return { type: item.port, code: null };
  }
  if (item.kind === 'port-name') {
    const t = findIcmpType(family, item.name);
    if (t && t.pveFirewall)
      return t.nftType === null ? null : { type: t.nftType, code: t.nftCode ?? null };
  }
  diags.error(
    'unknown-icmp-type',
    item.span,
    `unknown ${family === 'icmp' ? 'ICMP' : 'ICMPv6'} type ` +
      `'${item.kind === 'port-name' ? item.name : `${item.from}:${item.to}`}'`,
  );
  return undefined;
}

function checkPorts(list: ast.PortList, diags: Diagnostics): ir.PortRange[] | undefined {
  const out: ir.PortRange[] = [];
  let ok = true;
  for (const item of list.items) {
    if (item.kind === 'port-name') {
      const s = findService(item.name);
      if (!s) {
        diags.error('unknown-service', item.span, `unknown service name '${item.name}'`);
        ok = false;
      } else out.push({ from: s.port, to: s.port });
      continue;
    }
    const [from, to] = item.kind === 'port' ? [item.port, item.port] : [item.from, item.to];
    for (const p of from === to ? [from] : [from, to]) {
      if (p < 1 || p > 65535) {
        diags.error('invalid-port', item.span, `port ${p} is out of range (1..65535)`);
        ok = false;
      }
    }
    if (from > to) {
      diags.error('backwards-port-range', item.span, `port range '${from}:${to}' runs backwards`);
      ok = false;
    }
    if (ok) out.push({ from, to });
  }
  return ok ? out : undefined;
}

/** The line's node is its own span and holds every token of the line; the IR keeps offsets only,
 * so that a guest's syntax tree can go once the guest is resolved (compile's peak memory). */
function offsetsOnly(span: Span): Span {
  return span instanceof SelfSpan
    ? new OffsetSpan(span.file, span.startOffset, span.endOffset)
    : span;
}
