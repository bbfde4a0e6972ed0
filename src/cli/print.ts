// Output helpers the commands share: the diagnostics summary line and journald log lines.
import type { Diagnostic } from '../diag/diagnostic.js';
import type { Io } from './io.js';

/** `2 errors, 1 warning` */
export function summary(list: readonly Diagnostic[]): string {
  const errors = list.filter((d) => d.severity === 'error').length;
  const warnings = list.length - errors;
  const n = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  return `${n(errors, 'error')}, ${n(warnings, 'warning')}`;
}

/** One journald line; `<N>` is sd-daemon's priority prefix, understood when stdout is the journal. */
export function logLine(io: Io, line: string): void {
  const level = /^(?:[^ ]*: )?(error|warning):/.exec(line)?.[1];
  const prio =
    io.env.JOURNAL_STREAM === undefined
      ? ''
      : level === 'error'
        ? '<3>'
        : level === 'warning'
          ? '<4>'
          : '';
  io.stdout(`${prio}${line}\n`);
}
