// The front end never throws, never hangs, and every span lies inside its file — on any input,
// and on mutations of the fixture files.
import { readFileSync } from 'node:fs';
import fg from 'fast-glob';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../../src/diag/diagnostic.js';
import { renderAll } from '../../src/diag/render.js';
import type { Span } from '../../src/diag/span.js';
import { checkFile } from '../../src/resolve/resolve-config.js';
import { parseFile } from '../../src/syntax/parse.js';
import type { FileScope } from '../../src/resolve/input.js';

const RUNS = Number(process.env.FWGEN_PROPERTY_RUNS ?? 10_000);
// 10,000 cases take seconds on a quiet machine and minutes on a loaded one: CPU time, not a hang.
const TIMEOUT_MS = 300_000;
const SCOPES: FileScope[] = ['cluster', 'host', 'guest', 'vnet'];

/** Walk any AST/diagnostic value and collect every span in it. */
function spans(value: unknown, out: Span[] = [], seen = new Set<unknown>()): Span[] {
  if (value === null || typeof value !== 'object' || seen.has(value)) return out;
  seen.add(value);
  if ('start' in value && 'end' in value && 'file' in value) out.push(value as Span);
  for (const [k, v] of Object.entries(value)) if (k !== 'file') spans(v, out, seen);
  return out;
}

function checkText(text: string, scope: FileScope): void {
  const file = { path: 'x.fw', text };
  const d = new Diagnostics();
  const tree = parseFile(file, d);
  checkFile(tree, scope, null, d);
  renderAll(d.sorted());
  for (const s of [...spans(tree), ...spans(d.list)]) {
    expect(s.start.offset).toBeGreaterThanOrEqual(0);
    expect(s.end.offset).toBeLessThanOrEqual(text.length);
    expect(s.start.offset).toBeLessThanOrEqual(s.end.offset);
    expect(text.slice(0, s.start.offset).split('\n').length).toBe(s.start.line);
  }
}

// Lines that look like the real thing, so the generator reaches deep into the grammar.
const token = fc.constantFrom(
  '[OPTIONS]',
  '[RULES]',
  '[ALIASES]',
  '[IPSET x1]',
  '[group g1]',
  '[ipset ab]',
  'IN',
  'OUT',
  'GROUP',
  'FORWARD',
  '|IN',
  'ACCEPT',
  'DROP',
  'REJECT',
  'SSH(ACCEPT)',
  'Ping(DROP)',
  '-p',
  'tcp',
  'icmp',
  '-dport',
  '-sport',
  '22',
  '80:90',
  'http',
  '-source',
  '-dest',
  '+x1',
  '+dc/x1',
  'dc/a1',
  'guest/a1',
  '10.0.0.0/8',
  '2001:db8::/32',
  '1.2.3.4-1.2.3.9',
  '!',
  '-i',
  'net0',
  '-log',
  'info',
  '-icmp-type',
  'echo-request',
  '#',
  'enable:',
  '1',
  ':',
  ',',
  ' ',
  '\t',
  '\n',
  '\r\n',
  'a1',
  '[',
  ']',
);
const lineish = fc.array(token, { maxLength: 30 }).map((xs) => xs.join(' '));

describe('the front end on any input', () => {
  it(
    'random strings',
    () => {
      fc.assert(
        fc.property(
          fc.string({ maxLength: 200, unit: 'binary' }),
          fc.constantFrom(...SCOPES),
          (s, scope) => checkText(s, scope),
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );
  it(
    'config-shaped token soup',
    () => {
      fc.assert(
        fc.property(
          fc.array(lineish, { maxLength: 12 }).map((ls) => ls.join('\n')),
          fc.constantFrom(...SCOPES),
          (s, scope) => checkText(s, scope),
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );
  it(
    'mutations of the fixture files',
    () => {
      const files = fg.sync('fixtures/**/*.fw').map((p) => readFileSync(p, 'utf8'));
      expect(files.length).toBeGreaterThan(3);
      const mutation = fc.tuple(
        fc.nat(),
        fc.nat({ max: 8 }),
        fc.string({ maxLength: 8, unit: 'binary' }),
      );
      fc.assert(
        fc.property(
          fc.constantFrom(...files),
          fc.array(mutation, { minLength: 1, maxLength: 4 }),
          fc.constantFrom(...SCOPES),
          (text, muts, scope) => {
            let t = text;
            for (const [at, del, ins] of muts) {
              const i = at % (t.length + 1);
              t = t.slice(0, i) + ins + t.slice(i + del);
            }
            checkText(t, scope);
          },
        ),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );
});
