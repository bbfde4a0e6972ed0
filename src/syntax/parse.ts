// parseFile: text → ast.ConfigFile. Never throws on user input: lines the grammar cannot read
// become `syntax-error` diagnostics (the line is then ignored, as pve-firewall ignores it).
import type { Diagnostics } from '../diag/diagnostic.js';
import { LocatedSpan, OffsetSpan, SelfSpan, type SourceFile, type Span } from '../diag/span.js';
import type * as ast from './ast.js';
import { parse, SyntaxError as PegSyntaxError } from './generated/pve-fw.js';

type LineRule = 'OptionLineOnly' | 'AliasLineOnly' | 'IpsetEntryOnly' | 'RuleLineOnly';

const LINE_RULE: Record<ast.Section['kind'], LineRule | null> = {
  options: 'OptionLineOnly',
  aliases: 'AliasLineOnly',
  ipset: 'IpsetEntryOnly',
  rules: 'RuleLineOnly',
  group: 'RuleLineOnly',
  'unknown-section': null,
};

const WHAT: Record<LineRule, string> = {
  OptionLineOnly: 'option line',
  AliasLineOnly: 'alias line',
  IpsetEntryOnly: 'ipset entry',
  RuleLineOnly: 'rule line',
};

export function parseFile(file: SourceFile, diags: Diagnostics): ast.ConfigFile {
  // Every line needs its end of line in the grammar; a final newline is added, never shown.
  const input = file.text.endsWith('\n') ? file.text : `${file.text}\n`;
  let tree: ast.ConfigFile;
  try {
    tree = parse(input, {
      grammarSource: file,
      spans: { OffsetSpan, SelfSpan, LocatedSpan, file, limit: file.text.length },
    }) as ast.ConfigFile;
  } catch (e) {
    // The grammar reads any text (bad lines become nodes); this is the last line of defence.
    if (!(e instanceof PegSyntaxError)) throw e;
    const at = Math.min(e.location.start.offset, file.text.length);
    const span = { file, start: e.location.start, end: e.location.start };
    diags.error(
      'syntax-error',
      at === e.location.start.offset ? span : undefined,
      'cannot read this file',
    );
    return { kind: 'config-file', file, preamble: [], sections: [] };
  }
  for (const line of tree.preamble) {
    if (line.kind === 'bad-line') {
      const fits = sectionFor(line);
      diags.error(
        'no-section',
        line.span,
        fits
          ? `line outside of any section; it reads as ${fits}`
          : 'line outside of any section, expected a section header such as [RULES]',
      );
    }
  }
  for (const section of tree.sections) {
    const rule = LINE_RULE[section.kind];
    if (rule === null) continue; // an unknown section is reported once, by its header
    for (const line of section.body) {
      if (line.kind === 'bad-line') reportBadLine(line, rule, diags);
    }
  }
  return tree;
}

// Which section a line outside of any section reads as, tried in this order: an IPv6 address
// also reads as `key: value`, so the ipset entry comes before the option.
const FITS: readonly [LineRule, string][] = [
  ['RuleLineOnly', 'a rule, which belongs under [RULES]'],
  ['IpsetEntryOnly', 'an ipset entry, which belongs under [IPSET name]'],
  ['AliasLineOnly', 'an alias, which belongs under [ALIASES]'],
  ['OptionLineOnly', 'an option, which belongs under [OPTIONS]'],
];

function sectionFor(line: ast.BadLine): string | undefined {
  for (const [rule, what] of FITS) {
    try {
      const node = parse(line.text, {
        grammarSource: line.span.file,
        startRule: rule,
        spans: { OffsetSpan, SelfSpan, LocatedSpan, file: line.span.file, limit: Infinity },
      }) as ast.RuleLine | ast.GroupRefLine | ast.IpsetEntry | ast.AliasLine | ast.OptionLine;
      // A lone word reads as an ipset entry naming an alias: too weak a hint.
      if (node.kind === 'ipset-entry' && node.value.kind === 'alias-ref') continue;
      return what;
    } catch (e) {
      if (!(e instanceof PegSyntaxError)) throw e;
    }
  }
  return undefined;
}

/** Re-parse one bad line alone to find where it goes wrong and what was expected there. */
function reportBadLine(line: ast.BadLine, rule: LineRule, diags: Diagnostics): void {
  try {
    parse(line.text, {
      grammarSource: line.span.file,
      startRule: rule,
      spans: { OffsetSpan, SelfSpan, LocatedSpan, file: line.span.file, limit: Infinity },
    });
  } catch (e) {
    if (!(e instanceof PegSyntaxError)) throw e;
    const at = e.location.start.offset;
    const { code, message, where } = syntaxMessage(line.text, at, e, rule);
    diags.error(code, tokenSpan(line, where), message);
    return;
  }
  // The line parses alone but not in its file: only possible through a grammar bug.
  diags.error('syntax-error', line.span, `cannot read this ${WHAT[rule]}`);
}

function tokenSpan(line: ast.BadLine, at: number): Span {
  const rest = line.text.slice(at);
  const len = Math.max(1, /^[^\s]*/.exec(rest)?.[0].length ?? 1);
  const start = {
    offset: line.span.start.offset + at,
    line: line.span.start.line,
    column: line.span.start.column + at,
  };
  const n = Math.min(len, Math.max(0, line.text.length - at));
  return {
    file: line.span.file,
    start,
    end: { ...start, offset: start.offset + n, column: start.column + n },
  };
}

/** The message for a bad line, and its code: a flag without its value has its own. */
function syntaxMessage(
  text: string,
  at: number,
  e: PegSyntaxError,
  rule: LineRule,
): { code: 'syntax-error' | 'rule-option-without-value'; message: string; where: number } {
  const expected = describeExpected(e);
  const token = /^[^\s]*/.exec(text.slice(at))?.[0] ?? '';
  const atEnd = at >= text.length;
  const before = /(\S+)\s*$/.exec(text.slice(0, at))?.[1];
  // `-p -dport 22`, `-p` at the end: the flag's value is missing, whatever was expected after it.
  if (rule === 'RuleLineOnly' && before && FLAG.test(before) && (atEnd || FLAG.test(token))) {
    const next = atEnd ? '' : `, found the option '${token}'`;
    return {
      code: 'rule-option-without-value',
      message: `'${before}' has no value${next}`,
      where: text.slice(0, at).trimEnd().length - before.length, // on the flag
    };
  }
  const found = atEnd ? `unexpected end of ${WHAT[rule]}` : `unexpected '${token}'`;
  if (expected)
    return { code: 'syntax-error', message: `${found}, expected ${expected}`, where: at };
  // Only whitespace was possible here: a flag is missing its value.
  return {
    code: 'syntax-error',
    message: before?.startsWith('-') ? `${found}, expected a value after '${before}'` : found,
    where: at,
  };
}

/** A rule option flag as the grammar reads one (`-p`, `--dport`). */
const FLAG = /^--?[A-Za-z][A-Za-z0-9-]*$/;

function describeExpected(e: PegSyntaxError): string {
  const names = new Set<string>();
  for (const x of e.expected) {
    if (x.type === 'other') names.add(x.description);
    else if (x.type === 'literal') {
      if (x.text === '\n' || x.text === '\r') names.add('end of line');
      else if (x.text.trim() !== '') names.add(`'${x.text}'`);
    } else if (x.type === 'end') names.add('end of line');
    // character classes are whitespace or parts of named tokens: not worth listing
  }
  // Where a comment may start, the line may also end (peggy does not list the `!.` that says so).
  if (names.has('comment')) names.add('end of line');
  const list = [...names].sort();
  if (list.length <= 1) return list[0] ?? '';
  return `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}
