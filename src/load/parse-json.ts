// parseJson: JSON text → values that keep their spans, so a bad SDN file is reported at the
// offending line (JSON.parse only says "position N", and loses where each value was).
import { OffsetSpan, type SourceFile, type Span } from '../diag/span.js';

export type JsonValue =
  | { kind: 'object'; span: Span; members: JsonMember[] }
  | { kind: 'array'; span: Span; items: JsonValue[] }
  | { kind: 'string'; span: Span; value: string }
  | { kind: 'number'; span: Span; value: number }
  | { kind: 'boolean'; span: Span; value: boolean }
  | { kind: 'null'; span: Span };

export interface JsonMember {
  key: string;
  keySpan: Span;
  value: JsonValue;
}

export type JsonResult =
  { ok: true; value: JsonValue } | { ok: false; message: string; span: Span };

class JsonError extends Error {
  constructor(
    message: string,
    readonly at: number,
    readonly end: number,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERAL = /true|false|null/y;

export function parseJson(file: SourceFile): JsonResult {
  const text = file.text;
  let i = 0;
  const span = (from: number, to: number): Span => new OffsetSpan(file, from, to);
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const describe = (): string => (i >= text.length ? 'end of file' : `'${text.slice(i, i + 1)}'`);

  // The usual hand-editing slip, named as such rather than as an unexpected bracket.
  const trailingComma = (close: string): void => {
    const comma = i++;
    ws();
    if (text[i] === close)
      throw new JsonError(`a comma before '${close}' is not allowed in JSON`, comma, comma + 1);
  };

  const string = (): { value: string; span: Span } => {
    const from = i;
    i++; // the opening quote
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (c === '\\') i++;
      else if (c === '"') break;
      else if (c === '\n') throw new JsonError('unterminated string', from, i);
    }
    if (i >= text.length) throw new JsonError('unterminated string', from, text.length);
    i++;
    try {
      return { value: JSON.parse(text.slice(from, i)) as string, span: span(from, i) };
    } catch {
      throw new JsonError('invalid escape in string', from, i);
    }
  };

  // Nesting is bounded: a pathological file must be an error, not a stack overflow.
  const value = (depth = 0): JsonValue => {
    ws();
    const from = i;
    if (depth > 64) throw new JsonError('values nested too deeply', i, i + 1);
    const c = text[i];
    if (c === '{') {
      i++;
      const members: JsonMember[] = [];
      ws();
      if (text[i] === '}') {
        i++;
        return { kind: 'object', span: span(from, i), members };
      }
      for (;;) {
        ws();
        if (text[i] !== '"')
          throw new JsonError(`expected a quoted key, found ${describe()}`, i, i + 1);
        const key = string();
        ws();
        if (text[i] !== ':') throw new JsonError(`expected ':', found ${describe()}`, i, i + 1);
        i++;
        members.push({ key: key.value, keySpan: key.span, value: value(depth + 1) });
        ws();
        if (text[i] === ',') {
          trailingComma('}');
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { kind: 'object', span: span(from, i), members };
        }
        throw new JsonError(`expected ',' or '}', found ${describe()}`, i, i + 1);
      }
    }
    if (c === '[') {
      i++;
      const items: JsonValue[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { kind: 'array', span: span(from, i), items };
      }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          trailingComma(']');
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { kind: 'array', span: span(from, i), items };
        }
        throw new JsonError(`expected ',' or ']', found ${describe()}`, i, i + 1);
      }
    }
    if (c === '"') {
      const s = string();
      return { kind: 'string', span: s.span, value: s.value };
    }
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(text);
    if (num) {
      i += num[0].length;
      return { kind: 'number', span: span(from, i), value: Number(num[0]) };
    }
    LITERAL.lastIndex = i;
    const lit = LITERAL.exec(text);
    if (lit) {
      i += lit[0].length;
      return lit[0] === 'null'
        ? { kind: 'null', span: span(from, i) }
        : { kind: 'boolean', span: span(from, i), value: lit[0] === 'true' };
    }
    throw new JsonError(`expected a JSON value, found ${describe()}`, i, i + 1);
  };

  try {
    const v = value();
    ws();
    if (i < text.length)
      throw new JsonError(`unexpected ${describe()} after the JSON value`, i, i + 1);
    return { ok: true, value: v };
  } catch (e) {
    if (!(e instanceof JsonError)) throw e;
    const at = Math.min(e.at, text.length);
    return { ok: false, message: e.message, span: span(at, Math.min(e.end, text.length)) };
  }
}
