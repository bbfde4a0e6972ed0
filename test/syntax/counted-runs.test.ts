// grammar/counted-runs.mjs rewrites peggy's code for `.|n|` (consume n characters) to a position
// bump. It must parse exactly as peggy's own code does, and it must have caught every site in the
// real parser (if a peggy upgrade changes the generated shape, the build would silently go slow).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import peggy from 'peggy';
import { describe, expect, it } from 'vitest';
import { rewriteCountedRuns } from '../../grammar/counted-runs.mjs';

const GRAMMAR = `
  {{ const LETTER = /[a-z]/; }}
  Start = head:Word tail:(" " @Word)* _ { return [head, ...tail]; }
  Word = n:Run &{ return n > 0; } w:$(.|n|) { return w; }
  Run = "" { let i = offset(); while (i < input.length && LETTER.test(input[i])) i++; return i - offset(); }
  _ = n:Spaces .|n| { return n; }
  Spaces = "" { let i = offset(); while (input[i] === " ") i++; return i - offset(); }
`;

async function load(source: string): Promise<{ parse(text: string): unknown }> {
  return import(`data:text/javascript,${encodeURIComponent(source)}`) as Promise<{
    parse(text: string): unknown;
  }>;
}

describe('counted-runs rewrite', () => {
  it('parses like peggy: values, lengths and errors', async () => {
    const source = peggy.generate(GRAMMAR, { output: 'source', format: 'es' });
    const { out, count } = rewriteCountedRuns(source) as { out: string; count: number };
    expect(count).toBe(2);
    const [plain, rewritten] = await Promise.all([load(source), load(out)]);
    for (const text of ['abc', 'abc def  ', 'a b c', '', 'abc 1', ' abc']) {
      const run = (p: { parse(t: string): unknown }): unknown => {
        try {
          return p.parse(text);
        } catch (e) {
          return String(e);
        }
      };
      expect(run(rewritten)).toEqual(run(plain));
    }
  });

  it('left no counted repetition in the built parser', () => {
    const built = readFileSync(
      path.join(import.meta.dirname, '../../src/syntax/generated/pve-fw.js'),
      'utf8',
    );
    expect(built).not.toMatch(/\.length >= \(s\d+\|0\)/);
    expect(built).toContain('peg$currPos += (');
  });
});
