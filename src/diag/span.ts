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
function posAt(text: string, offset: number): Pos {
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

// Line starts per file, computed once: spans keep only offsets and work out line/column on demand,
// which keeps a 100,000-line AST small (see bench/parse-throughput.mjs).
const lineStarts = new WeakMap<SourceFile, number[]>();

function startsOf(file: SourceFile): number[] {
  let s = lineStarts.get(file);
  if (!s) {
    s = [0];
    const t = file.text;
    for (let i = t.indexOf('\n'); i >= 0; i = t.indexOf('\n', i + 1)) s.push(i + 1);
    lineStarts.set(file, s);
  }
  return s;
}

function posIn(file: SourceFile, offset: number): Pos {
  const s = startsOf(file);
  let lo = 0;
  let hi = s.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (s[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { offset, line: lo + 1, column: offset - s[lo]! + 1 };
}

/** A span that stores offsets; `start`/`end` are computed when read. */
export class OffsetSpan implements Span {
  constructor(
    readonly file: SourceFile,
    readonly startOffset: number,
    readonly endOffset: number,
  ) {}
  get start(): Pos {
    return posIn(this.file, this.startOffset);
  }
  get end(): Pos {
    return posIn(this.file, this.endOffset);
  }
}

/**
 * Something that is its own span: AST nodes and tokens made by the grammar (`node.span` is the node
 * itself), one object where `{ ..., span: OffsetSpan }` takes two: a large file's AST is mostly spans.
 */
export abstract class SelfSpan implements Span {
  abstract readonly file: SourceFile;
  abstract readonly startOffset: number;
  abstract readonly endOffset: number;
  get span(): Span {
    return this;
  }
  get start(): Pos {
    return posIn(this.file, this.startOffset);
  }
  get end(): Pos {
    return posIn(this.file, this.endOffset);
  }
}

/** A token that is its own span: an `ast.Located<T>` (`value`, `span`) in one object instead of two. */
export class LocatedSpan<T> extends SelfSpan {
  constructor(
    readonly value: T,
    readonly file: SourceFile,
    readonly startOffset: number,
    readonly endOffset: number,
  ) {
    super();
  }
}
