import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffText } from '../../src/apply/diff-text.js';

describe('diffText', () => {
  it('is empty for equal texts', () => {
    expect(diffText('a\nb\n', 'a\nb\n')).toBe('');
  });

  it('prints unified hunks with 3 lines of context', () => {
    const old = 'l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\nl10\n';
    const nu = 'l1\nl2\nl3\nl4\nX\nl6\nl7\nl8\nl9\nl10\nl11\n';
    expect(diffText(old, nu, { old: 'old', new: 'new' })).toBe(`--- old
+++ new
@@ -2,9 +2,10 @@
 l2
 l3
 l4
-l5
+X
 l6
 l7
 l8
 l9
 l10
+l11
`);
  });

  it('separates distant changes into hunks and numbers an empty side like diff -u', () => {
    const old = Array.from({ length: 20 }, (_, i) => `l${i + 1}`).join('\n');
    const nu = old.replace('l2\n', '').replace('l19', 'L19');
    expect(
      diffText(old, nu)
        .split('\n')
        .filter((l) => l.startsWith('@@')),
    ).toEqual(['@@ -1,5 +1,4 @@', '@@ -16,5 +15,5 @@']);
    expect(diffText('', 'a\n').split('\n')[2]).toBe('@@ -0,0 +1,1 @@');
  });

  it('holds both texts: context and - lines give the old one, context and + the new', () => {
    const text = fc
      .array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 30 })
      .map((l) => l.map((x) => `${x}\n`).join(''));
    fc.assert(
      fc.property(text, text, (a, b) => {
        const lines = diffText(a, b, undefined, 1e9).split('\n').slice(3, -1);
        if (a === b) return;
        expect(
          lines
            .filter((l) => l[0] !== '+')
            .map((l) => `${l.slice(1)}\n`)
            .join(''),
        ).toBe(a);
        expect(
          lines
            .filter((l) => l[0] !== '-')
            .map((l) => `${l.slice(1)}\n`)
            .join(''),
        ).toBe(b);
      }),
    );
  });

  it('finds a minimal diff (no unchanged line shown as removed and added)', () => {
    const d = diffText('a\nb\nc\nd\n', 'a\nc\nd\ne\n', undefined, 0);
    expect(d.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual(['-b', '+e']);
  });
});
