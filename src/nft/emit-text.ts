// Turns a Script into `nft -f` text: deterministic, two-space indents, one rule per line, long
// element lists wrapped. All user text goes through quote.ts; generated names through
// assertIdentifier; generated literals through checkSym. Must not: emit anything that touches a
// table the script does not name (no `flush ruleset`), or build a string by concatenating
// unchecked input. A final guard re-reads the output to enforce that.
import type {
  Chain,
  Command,
  CtHelper,
  Expr,
  LimitStmt,
  MapElement,
  NamedMap,
  NamedSet,
  RejectWith,
  Rule,
  Script,
  Stmt,
  Table,
  TableRef,
  Value,
  Verdict,
} from './model.js';
import {
  checkField,
  checkLogLevel,
  checkNum,
  checkScript,
  checkSym,
  checkWord,
} from './check-script.js';
import {
  assertIdentifier,
  NftIdentifierError,
  quoteComment,
  quoteIfname,
  quoteLogPrefix,
} from './quote.js';

const INDENT = '  ';
/** Elements per line in named sets / maps: keeps lines short for huge sets (nft parses fine). */
const SET_ELEMENTS_PER_LINE = 8;
const MAP_ELEMENTS_PER_LINE = 4;

/** The `nft -f` text for a script. Throws NftIdentifierError (generator bug) or NftNameError
 * (an interface name that cannot be written). */
export function emitText(script: Script, options: EmitTextOptions = {}): string {
  checkScript(script);
  const out = new GuardedLines(tableKeys(script));
  for (const cmd of script.commands) commandLines(cmd, out, options);
  return out.finish();
}

export interface EmitTextOptions {
  /** A chain's text made ahead of time (chainText), written in place of the chain: the generator
   * streams a large table's guest chains to text as it builds them, so that their model is never
   * alive all at once (src/generate/streamed-chains.ts). Undefined: the chain as the model has it. */
  chainText?: (table: Table, chain: Chain) => string | undefined;
}

/**
 * One chain's lines, each ending in `\n`, as emitText writes them inside a table. `setText` may replace an
 * anonymous set on the right of a match (the generator puts a placeholder there and fills in the
 * list or a named set's `@name` once the whole table is known).
 */
export function chainText(chain: Chain, setText?: SetText): string {
  const lines: string[] = [];
  chainLines(chain, { push: (l) => lines.push(l) }, setText);
  lines.push('');
  return lines.join('\n');
}

type SetText = (stmt: Extract<Stmt, { kind: 'match' }>) => string | undefined;

/** `{ a, b }`: an anonymous set, as a rule writes it. */
export function anonymousSetText(elements: Value[]): string {
  return valueText({ kind: 'set', elements });
}

/** `@name`: a named set's lookup, as a rule writes it. */
export function setRefText(name: string): string {
  return valueText({ kind: 'set-ref', name });
}

/** Where emitted lines go: joined into chunks of whole lines, each chunk passed through the scope
 * guard as it is made. Why chunks: a 10,000-guest ruleset has millions of lines, and one array of
 * them, its join, and the guard's copies of a 100 MB text cost more memory than the rest of the
 * compile together. Guarding a chunk of whole lines is the same check, since no quoted string spans
 * a line. */
class GuardedLines {
  private lines: string[] = [];
  private readonly chunks: string[] = [];
  constructor(private readonly tables: ReadonlySet<string>) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length >= LINES_PER_CHUNK) this.flush();
  }

  /** Whole lines, each ending in `\n`, made ahead of time (a streamed chain): guarded and kept
   * as they are, not copied into a chunk. */
  block(text: string): void {
    this.flush();
    guardText(text, this.tables);
    this.chunks.push(text);
  }

  finish(): string {
    this.flush();
    return this.chunks.join('');
  }

  private flush(): void {
    if (this.lines.length === 0) return;
    const chunk = this.lines.join('\n') + '\n';
    this.lines = [];
    guardText(chunk, this.tables);
    this.chunks.push(chunk);
  }
}

const LINES_PER_CHUNK = 4096;

type LineSink = Pick<GuardedLines, 'push'>;
type TableSink = Pick<GuardedLines, 'push' | 'block'>;

function commandLines(cmd: Command, out: TableSink, options: EmitTextOptions): void {
  switch (cmd.kind) {
    case 'add-table':
      out.push(`add table ${cmd.table.family} ${assertIdentifier(cmd.table.name)}`);
      return;
    case 'delete-table':
      out.push(`delete table ${cmd.table.family} ${assertIdentifier(cmd.table.name)}`);
      return;
    case 'define-table':
      tableLines(cmd.table, out, options);
      return;
    case 'add-chain': {
      const head = `add chain ${at(cmd.table)} ${assertIdentifier(cmd.chain.name)}`;
      const spec = chainSpec(cmd.chain);
      // Each part ends in `;`: `{ comment "x" }` is a syntax error.
      const parts = spec.map((l) => (l.endsWith(';') ? `${l} ` : `${l}; `));
      out.push(spec.length === 0 ? head : `${head} { ${parts.join('')}}`);
      return;
    }
    case 'flush-chain':
    case 'delete-chain': {
      const verb = cmd.kind === 'flush-chain' ? 'flush' : 'delete';
      out.push(`${verb} chain ${at(cmd.table)} ${assertIdentifier(cmd.chain)}`);
      return;
    }
    case 'add-rule':
      out.push(`add rule ${at(cmd.table)} ${assertIdentifier(cmd.chain)} ${ruleText(cmd.rule)}`);
      return;
    case 'add-set':
      topBlock(
        `add set ${at(cmd.table)} ${assertIdentifier(cmd.set.name)}`,
        setInner(cmd.set),
        out,
      );
      return;
    case 'add-map':
      topBlock(
        `add map ${at(cmd.table)} ${assertIdentifier(cmd.map.name)}`,
        mapInner(cmd.map),
        out,
      );
      return;
    case 'delete-set':
    case 'delete-map':
    case 'flush-set':
    case 'flush-map': {
      const [verb, what] = cmd.kind.split('-');
      out.push(`${verb} ${what} ${at(cmd.table)} ${assertIdentifier(cmd.name)}`);
      return;
    }
    case 'add-element':
    case 'delete-element':
      elementCommand(
        `${cmd.kind.split('-')[0]} element ${at(cmd.table)} ${assertIdentifier(cmd.set)}`,
        cmd.elements.map(valueText),
        SET_ELEMENTS_PER_LINE,
        out,
      );
      return;
    case 'add-map-element':
      elementCommand(
        `add element ${at(cmd.table)} ${assertIdentifier(cmd.map)}`,
        cmd.elements.map(mapElementText),
        MAP_ELEMENTS_PER_LINE,
        out,
      );
      return;
    case 'delete-map-element':
      elementCommand(
        `delete element ${at(cmd.table)} ${assertIdentifier(cmd.map)}`,
        cmd.keys.map(valueText),
        SET_ELEMENTS_PER_LINE,
        out,
      );
      return;
  }
}

function at(t: TableRef): string {
  return `${t.family} ${assertIdentifier(t.name)}`;
}

/** A top-level block: `head {`, the inner lines indented once, `}`. */
function topBlock(head: string, inner: string[], out: LineSink): void {
  out.push(`${head} {`);
  for (const l of inner) out.push(INDENT + l);
  out.push('}');
}

/** `add element … { a, b }`, wrapped like a set's `elements`; nothing for no elements (an empty
 * `{ }` is a syntax error). */
function elementCommand(head: string, items: string[], perLine: number, out: LineSink): void {
  if (items.length === 0) return;
  if (items.length <= perLine) {
    out.push(`${head} { ${items.join(', ')} }`);
    return;
  }
  out.push(`${head} {`);
  for (let i = 0; i < items.length; i += perLine) {
    const last = i + perLine >= items.length;
    out.push(`${INDENT}${items.slice(i, i + perLine).join(', ')}${last ? '' : ','}`);
  }
  out.push('}');
}

function tableLines(table: Table, out: TableSink, options: EmitTextOptions): void {
  out.push(`table ${table.family} ${assertIdentifier(table.name)} {`);
  let first = true;
  const sep = (): void => {
    if (!first) out.push('');
    first = false;
  };
  if (table.comment !== undefined) {
    sep();
    out.push(`${INDENT}comment ${quoteComment(table.comment)}`);
  }
  for (const h of table.ctHelpers ?? []) {
    sep();
    ctHelperLines(h, out);
  }
  for (const s of table.sets) {
    sep();
    setLines(s, out);
  }
  for (const m of table.maps) {
    sep();
    mapLines(m, out);
  }
  for (const c of table.chains) {
    sep();
    const made = options.chainText?.(table, c);
    if (made === undefined) chainLines(c, out);
    else out.block(made);
  }
  out.push('}');
}

function keyType(type: NamedSet['type']): string {
  return (Array.isArray(type) ? type : [type]).map(checkWord).join(' . ');
}

function ctHelperLines(h: CtHelper, out: LineSink): void {
  // The type is a kernel helper name (`netbios-ns`): a generated constant, checked as a word.
  const inner = [`type "${checkWord(h.type)}" protocol ${h.protocol}`, `l3proto ${h.l3proto}`];
  block(`ct helper ${assertIdentifier(h.name)}`, inner, out);
}

function setLines(set: NamedSet, out: LineSink): void {
  block(`set ${assertIdentifier(set.name)}`, setInner(set), out);
}

function setInner(set: NamedSet): string[] {
  const inner = [`type ${keyType(set.type)}`];
  if (set.dynamic?.size !== undefined) inner.push(`size ${checkNum(set.dynamic.size)}`);
  if (set.interval) inner.push('flags interval');
  if (set.dynamic) {
    inner.push('flags dynamic,timeout');
    inner.push(`timeout ${checkNum(set.dynamic.timeout)}s`);
  }
  if (set.autoMerge) inner.push('auto-merge');
  if (set.comment !== undefined) inner.push(`comment ${quoteComment(set.comment)}`);
  elementLines(set.elements.map(valueText), SET_ELEMENTS_PER_LINE, inner);
  return inner;
}

function mapLines(map: NamedMap, out: LineSink): void {
  block(`map ${assertIdentifier(map.name)}`, mapInner(map), out);
}

function mapInner(map: NamedMap): string[] {
  const inner = [`type ${keyType(map.type)} : verdict`];
  if (map.interval) inner.push('flags interval');
  if (map.comment !== undefined) inner.push(`comment ${quoteComment(map.comment)}`);
  elementLines(map.elements.map(mapElementText), MAP_ELEMENTS_PER_LINE, inner);
  return inner;
}

function mapElementText(e: MapElement): string {
  return `${valueText(e.key)} : ${verdictText(e.verdict)}`;
}

/** `elements = { a, b }` on one line when short, else wrapped; nothing for an empty set
 * (`elements = { }` is a syntax error). Appends to `out`. */
function elementLines(items: string[], perLine: number, out: string[]): void {
  if (items.length === 0) return;
  if (items.length <= perLine) {
    out.push(`elements = { ${items.join(', ')} }`);
    return;
  }
  out.push('elements = {');
  for (let i = 0; i < items.length; i += perLine) {
    const last = i + perLine >= items.length;
    out.push(`${INDENT}${items.slice(i, i + perLine).join(', ')}${last ? '' : ','}`);
  }
  out.push('}');
}

function chainLines(chain: Chain, out: LineSink, setText?: SetText): void {
  const pad = `${INDENT}${INDENT}`;
  out.push(`${INDENT}chain ${assertIdentifier(chain.name)} {`);
  for (const l of chainSpec(chain)) out.push(pad + l);
  for (const rule of chain.rules) out.push(pad + ruleText(rule, setText));
  out.push(`${INDENT}}`);
}

/** The comment and base-chain lines of a chain, each complete with its `;` where one is needed. */
function chainSpec(chain: Chain): string[] {
  const out: string[] = [];
  // nft lists the comment first; keep the same order so output and listings compare easily.
  if (chain.comment !== undefined) out.push(`comment ${quoteComment(chain.comment)}`);
  if (chain.base) {
    const b = chain.base;
    const device = b.device !== undefined ? ` device ${quoteIfname(b.device)}` : '';
    // `;` after the policy: a bare `}` right after it is a syntax error (docs/reference.md
    // §nft-policy-semicolon).
    out.push(`type ${b.type} hook ${b.hook}${device} priority ${b.priority}; policy ${b.policy};`);
  }
  return out;
}

/** A depth-1 block: `  head {`, the inner lines indented by two more spaces, `  }`. */
function block(head: string, inner: string[], out: LineSink): void {
  const pad = `${INDENT}${INDENT}`;
  out.push(`${INDENT}${head} {`);
  for (const l of inner) out.push(pad + l);
  out.push(`${INDENT}}`);
}

function ruleText(rule: Rule, setText?: SetText): string {
  const parts = rule.stmts.map((s) => stmtText(s, setText));
  if (rule.comment !== undefined) parts.push(`comment ${quoteComment(rule.comment)}`);
  return parts.join(' ');
}

function stmtText(stmt: Stmt, setText?: SetText): string {
  switch (stmt.kind) {
    case 'match':
      if (setText !== undefined && stmt.right.kind === 'set') {
        const text = setText(stmt);
        if (text !== undefined) return `${exprText(stmt.left)} ${matchOp(stmt)}${text}`;
      }
      // `==` is written as nft's implicit operator: on bitmask types (ct state, tcp flags) it
      // means "any of these bits", which is what `ct state established,related` is meant to say.
      // Behind `&` nft compares for equality either way; spell `==` there for readability.
      return `${exprText(stmt.left)} ${matchOp(stmt)}${valueText(stmt.right)}`;
    case 'verdict':
      return verdictText(stmt.verdict);
    case 'vmap':
      return `${exprText(stmt.key)} vmap @${assertIdentifier(stmt.map)}`;
    case 'counter':
      return 'counter';
    case 'limit':
      return limitText(stmt);
    case 'log': {
      const parts = ['log'];
      if (stmt.prefix !== undefined) parts.push(`prefix ${quoteLogPrefix(stmt.prefix)}`);
      if (stmt.group !== undefined) parts.push(`group ${checkNum(stmt.group)}`);
      if (stmt.level !== undefined) parts.push(`level ${checkLogLevel(stmt.level)}`);
      return parts.join(' ');
    }
    case 'reject':
      return stmt.with ? `reject with ${rejectWithText(stmt.with)}` : 'reject';
    case 'ct-mark-set':
      return `ct mark set ${checkNum(stmt.value)}`;
    case 'meta-mark-set':
      // or: set one bit, keep the others (`meta mark set meta mark | N`); and: clear bits
      return `meta mark set ${markOp(stmt)}${checkNum(stmt.value)}`;
    case 'queue': {
      // Loads on nft 1.0.6 / kernel 6.1 (text and JSON); nft lists it back as
      // `queue flags bypass[,fanout] to N[-M]`.
      const num =
        stmt.from === stmt.to
          ? `${checkNum(stmt.from)}`
          : `${checkNum(stmt.from)}-${checkNum(stmt.to)}`;
      const flags = [...(stmt.fanout ? ['fanout'] : []), ...(stmt.bypass ? ['bypass'] : [])];
      return `queue num ${num}${flags.length > 0 ? ` ${flags.join(',')}` : ''}`;
    }
    case 'set-update': {
      const limit = stmt.limit ? ` ${limitText(stmt.limit)}` : '';
      return `update @${assertIdentifier(stmt.set)} { ${exprText(stmt.key)}${limit} }`;
    }
    case 'ct-helper-set':
      return `ct helper set "${assertIdentifier(stmt.helper)}"`;
  }
}

function limitText(stmt: LimitStmt): string {
  // Always spell out the burst (default 5) so text and JSON cannot drift: libnftables-json(5)
  // says the JSON default is 0, though 1.0.6 actually stores 5 for a missing or 0 burst.
  const over = stmt.over ? 'over ' : '';
  return `limit rate ${over}${checkNum(stmt.rate)}/${stmt.per} burst ${checkNum(stmt.burst ?? 5)} packets`;
}

function matchOp(stmt: Extract<Stmt, { kind: 'match' }>): string {
  if (stmt.op === '!=') return '!= ';
  return stmt.left.kind === 'and' ? '== ' : '';
}

function rejectWithText(w: RejectWith): string {
  // nft 1.0.6 accepts both `icmpx type X` and `icmpx X` (it lists the latter); older 0.9.x
  // only the `type` form, so write that.
  return w.kind === 'tcp-reset' ? 'tcp reset' : `${w.kind} type ${checkWord(w.code)}`;
}

function verdictText(v: Verdict): string {
  return v.kind === 'jump' || v.kind === 'goto' ? `${v.kind} ${assertIdentifier(v.chain)}` : v.kind;
}

function exprText(e: Expr): string {
  switch (e.kind) {
    case 'payload':
      return `${e.proto} ${checkField(e.field)}`;
    case 'meta':
      return e.key === 'iifname' || e.key === 'oifname' ? e.key : `meta ${e.key}`;
    case 'ct':
      return `ct ${e.key}`;
    case 'fib':
      if (e.flags.length === 0) throw new NftIdentifierError('fib', 'needs at least one flag');
      return `fib ${e.flags.join(' . ')} ${e.result}`;
    case 'and': {
      // `tcp flags & fin | syn` would parse as `(tcp flags & fin) | syn`: parenthesise the mask.
      const mask = valueText(e.mask);
      const paren = e.mask.kind === 'flags' && e.mask.sep === '|' && e.mask.values.length > 1;
      return `${exprText(e.expr)} & ${paren ? `(${mask})` : mask}`;
    }
    case 'concat':
      if (e.exprs.length < 2) throw new NftIdentifierError('concat', 'needs at least two parts');
      return e.exprs.map(exprText).join(' . ');
  }
}

function valueText(v: Value): string {
  switch (v.kind) {
    case 'str':
      return quoteIfname(v.value, { wildcard: v.wildcard === true });
    case 'num':
      return String(checkNum(v.value));
    case 'sym':
      return checkSym(v.value);
    case 'prefix':
      if (!Number.isInteger(v.len) || v.len < 0 || v.len > 128)
        throw new NftIdentifierError(String(v.len), 'bad prefix length');
      return `${checkSym(v.addr)}/${v.len}`;
    case 'range':
      return `${valueText(v.from)}-${valueText(v.to)}`;
    case 'set':
      if (v.elements.length === 0)
        throw new NftIdentifierError('{}', 'an anonymous set needs elements');
      return `{ ${v.elements.map(valueText).join(', ')} }`;
    case 'set-ref':
      return `@${assertIdentifier(v.name)}`;
    case 'flags':
      if (v.values.length === 0) throw new NftIdentifierError('flags', 'needs at least one flag');
      return v.values.map(checkWord).join(v.sep === ',' ? ',' : ' | ');
    case 'concat':
      if (v.values.length < 2) throw new NftIdentifierError('concat', 'needs at least two parts');
      return v.values.map(valueText).join(' . ');
  }
}

function tableKeys(script: Script): Set<string> {
  return new Set(script.commands.map((c) => `${c.table.family} ${c.table.name}`));
}

/** The guard: every top-level line is `add table`/`delete table`/`table … {`/`}` for a table the
 * script names, and no `flush` or `ruleset` appears outside a quoted string. Quoted strings can
 * be cut out reliably because quote.ts guarantees none contains `"` or a newline. `text` is whole
 * lines (the full script or a chunk of it). */
export function assertTextScope(text: string, script: Script): void {
  guardText(text, tableKeys(script));
}

function guardText(text: string, tables: ReadonlySet<string>): void {
  const fail = (why: string): never => {
    throw new NftIdentifierError('script', `emitted text failed the scope guard: ${why}`);
  };
  const bare = text.replace(/"[^"\n]*"/g, '""');
  if (/"/.test(bare.replace(/""/g, ''))) fail('unbalanced quotes');
  // `flush chain|set|map F T N` (incremental updates) are the flushes allowed: a whole line, one
  // object of a named table.
  const flushes = /^flush (?:chain|set|map) (\S+ \S+) [A-Za-z0-9_./-]+$/gm;
  for (const m of bare.matchAll(flushes))
    if (!tables.has(m[1] ?? '')) fail(`flush on table ${m[1] ?? ''}`);
  if (/(^|[\s;{])(flush|ruleset)([\s;}]|$)/m.test(bare.replace(flushes, ''))) fail('flush/ruleset');
  for (const line of bare.split('\n')) {
    if (line === '' || line === '}' || line.startsWith(INDENT)) continue;
    const m =
      /^(?:add table|delete table|table) (\S+ \S+)(?: \{)?$/.exec(line) ??
      /^(?:(?:add|delete) (?:chain|set|map|element)|add rule|flush (?:chain|set|map)) (\S+ \S+) [A-Za-z0-9_./-]+(?: |$)/.exec(
        line,
      );
    if (!m || !tables.has(m[1] ?? '')) fail(`unexpected top-level line ${JSON.stringify(line)}`);
  }
}

function markOp(stmt: { or?: boolean; and?: boolean }): string {
  return stmt.or ? 'meta mark | ' : stmt.and ? 'meta mark & ' : '';
}
