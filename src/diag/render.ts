// Compiler-style text for diagnostics: `path:line:col: severity: message [code]`, the line, carets.
import type { Diagnostic, Note } from './diagnostic.js';
import type { Span } from './span.js';

function lineOf(span: Span): string {
  const { text } = span.file;
  let start = span.start.offset - (span.start.column - 1);
  if (start < 0) start = 0;
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  return text.slice(start, end).replace(/\r$/, '');
}

function location(span: Span): string {
  return `${span.file.path}:${span.start.line}:${span.start.column}`;
}

function excerpt(span: Span): string[] {
  const line = lineOf(span);
  const last = span.end.line === span.start.line ? span.end.column : line.length + 1;
  // Tabs are kept in the padding so carets stay under the token whatever the tab width.
  const pad = line.slice(0, span.start.column - 1).replace(/[^\t]/g, ' ');
  const gutter = ' '.repeat(String(span.start.line).length);
  const carets = '^'.repeat(Math.max(1, last - span.start.column));
  return [` ${span.start.line} | ${line}`, ` ${gutter} | ${pad}${carets}`];
}

function renderNote(note: Note): string {
  return note.span ? `${location(note.span)}: note: ${note.message}` : `note: ${note.message}`;
}

export function render(d: Diagnostic): string {
  const head = `${d.severity}: ${d.message} [${d.code}]`;
  if (!d.span) return [head, ...d.notes.map(renderNote)].join('\n');
  return [`${location(d.span)}: ${head}`, ...excerpt(d.span), ...d.notes.map(renderNote)].join(
    '\n',
  );
}

export function renderAll(diags: readonly Diagnostic[]): string {
  return diags.map((d) => `${render(d)}\n`).join('');
}

/** The `--json` form: stable keys, 1-based line/column, exclusive end. */
export function toJson(d: Diagnostic): object {
  const range = (s: Span) => ({
    start: { line: s.start.line, column: s.start.column, offset: s.start.offset },
    end: { line: s.end.line, column: s.end.column, offset: s.end.offset },
  });
  return {
    file: d.span?.file.path ?? null,
    range: d.span ? range(d.span) : null,
    severity: d.severity,
    code: d.code,
    message: d.message,
    notes: d.notes.map((n) => ({
      message: n.message,
      file: n.span?.file.path ?? null,
      range: n.span ? range(n.span) : null,
    })),
  };
}
