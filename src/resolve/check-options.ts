// [OPTIONS] lines → typed values per scope (pve-firewall's accepted syntax, src/data/options.ts).
// A bad line is reported and ignored, so the option keeps its default. An option fwgen does not
// act on (option-support.ts) gets a warning when it asks for something other than its default.
import { Diagnostics } from '../diag/diagnostic.js';
import { OffsetSpan, type Span } from '../diag/span.js';
import type * as ast from '../syntax/ast.js';
import { LOG_LEVELS, type LogLevelName } from '../data/log-levels.js';
import {
  findOption,
  OPTIONS,
  type OptionName,
  type OptionScope,
  type OptionSpec,
} from '../data/options.js';
import { checkEthertypeList, checkIpsQueues } from './check-guest-l2-ips.js';
import type { LogRateLimit } from './ir.js';
import { optionSupport, type OptionSupport } from './option-support.js';

/** The checked options of one file, by their lower-case key. */
export type OptionValues<S extends OptionScope> = Map<
  OptionName<S>,
  boolean | number | string | null | LogRateLimit | string[]
>;

function scopeKeys(scope: OptionScope): string {
  return OPTIONS.filter((o) => o.scope === scope && o.pveFirewall)
    .map((o) => o.name)
    .join(', ');
}

export function checkOptions<S extends OptionScope>(
  lines: readonly ast.OptionLine[],
  scope: S,
  diags: Diagnostics,
): OptionValues<S> {
  const values: OptionValues<S> = new Map();
  for (const line of lines) {
    const spec = findOption(scope, line.key.value);
    if (!spec) {
      diags.error(
        'unknown-option',
        line.key.span,
        `unknown ${scope} option '${line.key.value}', expected one of ${scopeKeys(scope)}`,
      );
      continue;
    }
    // pve-firewall's option regexes end in `\s*$`: a comment makes it skip the whole line.
    const hash = line.value.value.indexOf('#');
    if (hash >= 0) {
      const { span } = line.value;
      diags.error(
        'option-comment',
        new OffsetSpan(span.file, span.start.offset + hash, span.end.offset),
        'a comment is not allowed after an option value, put it on a line of its own',
      );
      continue;
    }
    const support = optionSupport(scope, spec.name);
    // A key only proxmox-firewall reads (guest policy_forward): pve-firewall warns and skips the
    // line, proxmox-firewall accepts it; a warning, whatever the value.
    if (!spec.pveFirewall) {
      ignored(spec, support, line, diags);
      continue;
    }
    const v = checkValue(spec, line.value, diags);
    if (v === undefined) continue;
    values.set(spec.name, v);
    // At its default an ignored option asks for what fwgen does anyway: nothing to say.
    if (!isDefault(spec, v, line.value.span)) ignored(spec, support, line, diags);
  }
  return values;
}

function ignored(
  spec: OptionSpec,
  support: OptionSupport,
  line: ast.OptionLine,
  diags: Diagnostics,
): void {
  if ('ignored' in support)
    diags.warning(
      'option-ignored',
      line.span,
      `option '${spec.name}' has no effect in fwgen: ${support.ignored}`,
    );
}

type CheckedValue = NonNullable<ReturnType<typeof checkValue>> | null;

/** Whether a checked value means the same as leaving the option out. */
function isDefault(spec: OptionSpec, value: CheckedValue, span: Span): boolean {
  const d = spec.default;
  if (d === null) return false;
  const text = typeof d === 'boolean' ? (d ? '1' : '0') : String(d);
  const dv = checkValue(spec, { value: text, span }, new Diagnostics());
  return JSON.stringify(dv) === JSON.stringify(value);
}

function bad(
  diags: Diagnostics,
  spec: OptionSpec,
  value: ast.Located<string>,
  expected: string,
): undefined {
  diags.error(
    'invalid-option-value',
    value.span,
    `invalid value '${value.value}' for option '${spec.name}', expected ${expected}`,
  );
  return undefined;
}

function checkValue(spec: OptionSpec, value: ast.Located<string>, diags: Diagnostics) {
  const v = value.value;
  const t = spec.type;
  switch (t.kind) {
    case 'boolean':
      if (v === '0' || v === '1') return v === '1';
      return bad(diags, spec, value, '0 or 1');
    case 'integer': {
      if (!/^\d+$/.test(v)) return bad(diags, spec, value, 'a whole number');
      const n = Number(v);
      if (t.min !== undefined && n < t.min)
        return bad(diags, spec, value, `a number of at least ${t.min}`);
      if (t.max !== undefined && n > t.max)
        return bad(diags, spec, value, `a number of at most ${t.max}`);
      return n;
    }
    case 'enable-timestamp':
      if (!/^\d+$/.test(v)) return bad(diags, spec, value, '0, 1 or a unix timestamp');
      return Number(v);
    case 'enum': {
      const found = t.values.find((x) =>
        t.caseInsensitive ? x.toLowerCase() === v.toLowerCase() : x === v,
      );
      return found ?? bad(diags, spec, value, orList(t.values));
    }
    case 'enum-list': {
      if (v === '') return [];
      const items = v.split(',');
      const out: string[] = [];
      for (const item of items) {
        const found = t.values.find((x) =>
          t.caseInsensitive ? x.toLowerCase() === item.toLowerCase() : x === item,
        );
        if (!found) return bad(diags, spec, value, `a comma list of ${orList(t.values)}`);
        out.push(found);
      }
      return out;
    }
    case 'log-level': {
      if (v === '' && t.allowEmpty) return null;
      const name = (t.caseInsensitive ? v.toLowerCase() : v) as LogLevelName;
      if (name in LOG_LEVELS) return LOG_LEVELS[name];
      return bad(diags, spec, value, orList(Object.keys(LOG_LEVELS)));
    }
    case 'log-ratelimit':
      return (
        parseRateLimit(v) ??
        bad(diags, spec, value, "'enable=0|1,rate=N/second|minute|hour|day,burst=N'")
      );
    case 'ips-queues':
      return checkIpsQueues(value, diags);
    case 'ethertype-list':
      return checkEthertypeList(value, diags);
    default:
      return v;
  }
}

function orList(xs: readonly string[]): string {
  return xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;
}

/** `[enable=]0|1[,rate=N/unit][,burst=N]` (pve-firewall's property string; defaults 1, 1/second, 5). */
function parseRateLimit(text: string): LogRateLimit | undefined {
  const r: LogRateLimit = { enabled: true, rate: 1, per: 'second', burst: 5 };
  const parts = text.split(',');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!.trim();
    const m = /^(?:(\w+)=)?(.*)$/.exec(part);
    const key = m?.[1] ?? (i === 0 ? 'enable' : undefined);
    const val = m?.[2] ?? '';
    if (key === 'enable' && /^[01]$/.test(val)) r.enabled = val === '1';
    else if (key === 'rate') {
      const rm = /^(\d+)\/(second|minute|hour|day)$/.exec(val);
      if (!rm || Number(rm[1]) < 1) return undefined;
      r.rate = Number(rm[1]);
      r.per = rm[2] as LogRateLimit['per'];
    } else if (key === 'burst' && /^\d+$/.test(val) && Number(val) >= 1) r.burst = Number(val);
    else return undefined;
  }
  return r;
}

/** Reads the options of one scope: `read<boolean>('ndp')` is the value set in the file, or the
 * option's effective default. Only keys of that scope compile. */
export function optionReader<S extends OptionScope>(values: OptionValues<S>, scope: S) {
  return <T>(name: OptionName<S>): T => {
    if (values.has(name)) return values.get(name) as T;
    const spec: OptionSpec | undefined = findOption(scope, name);
    const d = spec?.default ?? null;
    if (spec?.type.kind === 'log-level')
      return (typeof d === 'string' ? LOG_LEVELS[d as LogLevelName] : null) as T;
    if (spec?.type.kind === 'log-ratelimit' && typeof d === 'string') return parseRateLimit(d) as T;
    return d as T;
  };
}
