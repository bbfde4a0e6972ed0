// Diagnostics: what every stage reports instead of throwing. Only bugs throw.
import type { DiagnosticCode } from './codes.js';
import type { Span } from './span.js';

export type Severity = 'error' | 'warning';

export interface Note {
  message: string;
  span?: Span;
}

export interface Diagnostic {
  severity: Severity;
  /** Stable kebab-case id (`unknown-alias`), used by tests and `--json`. */
  code: DiagnosticCode;
  message: string;
  span?: Span;
  notes: Note[];
}

/** Collects diagnostics in the order they are found. */
export class Diagnostics {
  readonly list: Diagnostic[] = [];

  error(code: DiagnosticCode, span: Span | undefined, message: string, notes: Note[] = []): void {
    this.list.push({ severity: 'error', code, message, span, notes });
  }

  warning(code: DiagnosticCode, span: Span | undefined, message: string, notes: Note[] = []): void {
    this.list.push({ severity: 'warning', code, message, span, notes });
  }

  push(...diags: Diagnostic[]): void {
    this.list.push(...diags);
  }

  get errorCount(): number {
    return this.list.filter((d) => d.severity === 'error').length;
  }

  get hasErrors(): boolean {
    return this.list.some((d) => d.severity === 'error');
  }

  /** Sorted by file, then position: the order a reader expects, whatever order passes ran in. */
  sorted(): Diagnostic[] {
    return [...this.list].sort(compareDiagnostics);
  }
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  const pa = a.span?.file.path ?? '';
  const pb = b.span?.file.path ?? '';
  if (pa !== pb) return pa < pb ? -1 : 1;
  return (a.span?.start.offset ?? -1) - (b.span?.start.offset ?? -1);
}
