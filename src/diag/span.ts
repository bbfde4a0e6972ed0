// Source files and spans. line/column are 1-based; offset is 0-based in UTF-16 units, as peggy counts.
export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

export interface Pos {
  offset: number;
  line: number;
  column: number;
}

/** A range in one file; `end` is exclusive. */
export interface Span {
  file: SourceFile;
  start: Pos;
  end: Pos;
}

export function sourceFile(path: string, text: string): SourceFile {
  return { path, text };
}

/** The position of `offset` in `text` (counted from scratch; for the rare span built outside peggy). */
export function posAt(text: string, offset: number): Pos {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

export function spanOf(file: SourceFile, startOffset: number, endOffset: number): Span {
  return { file, start: posAt(file.text, startOffset), end: posAt(file.text, endOffset) };
}

/** A span inside one line, from columns relative to a known position on that line. */
export function subSpan(span: Span, from: number, to: number): Span {
  const start = { offset: span.start.offset + from, line: span.start.line, column: span.start.column + from };
  const end = { offset: span.start.offset + to, line: span.start.line, column: span.start.column + to };
  return { file: span.file, start, end };
}
