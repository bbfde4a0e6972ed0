import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertIdentifier,
  NftIdentifierError,
  NftNameError,
  quoteComment,
  quoteIfname,
  quoteLogPrefix,
  quoteString,
  sanitizeText,
} from '../../src/nft/quote.js';
import { canNetns, inNetns } from './netns.js';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const INJECTION = 'x"; add rule inet t c tcp dport 23 accept comment "y';

describe('quoteComment', () => {
  it('turns the fact-8 injection payload into one harmless token', () => {
    const q = quoteComment(INJECTION);
    expect(q).toBe(`"x'; add rule inet t c tcp dport 23 accept comment 'y"`);
    expect(q.match(/"/g)).toHaveLength(2);
  });

  it('replaces newlines, tabs and Unicode line separators by spaces, other controls and \\ by _', () => {
    expect(quoteComment('line1\nline2\r\nx\ty\u2028z\u2029w\u0085v')).toBe(
      '"line1 line2  x y z w v"',
    );
    expect(quoteComment('a\\"b')).toBe(`"a_'b"`);
    expect(quoteComment('a\u0000b\u0001c\u007fd\u009be')).toBe('"a_b_c_d_e"');
    expect(quoteComment('bidi\u202eevil\u200b')).toBe('"bidi_evil_"');
    expect(quoteComment('lone \ud800 surrogate')).toBe('"lone _ surrogate"');
  });

  it('keeps harmless characters verbatim', () => {
    expect(quoteComment("a; b { c } # d $x @set it's C:/x Zugriff für Gäste ✓")).toBe(
      `"a; b { c } # d $x @set it's C:/x Zugriff für Gäste ✓"`,
    );
    expect(quoteComment('')).toBe('""');
  });

  it('cuts at 128 bytes, on a UTF-8 boundary', () => {
    expect(quoteComment('a'.repeat(129))).toBe(`"${'a'.repeat(128)}"`);
    expect(quoteComment('ü'.repeat(65))).toBe(`"${'ü'.repeat(64)}"`);
    const emoji = 'a' + '😀'.repeat(32); // 1 + 128 bytes
    const cut = sanitizeText(emoji, 128);
    expect(cut).toBe('a' + '😀'.repeat(31));
    expect(bytes(cut)).toBe(125);
  });

  it('property: any string gives exactly two quotes, no control characters, <= 130 bytes', () => {
    const nasty = fc.constantFrom(
      '"',
      '\\',
      '\n',
      '\r',
      '\t',
      '\u0000',
      '\u007f',
      '\u2028',
      '\u2029',
      '\u0085',
      'ü',
      '😀',
      '$',
      ';',
      '\ud800',
      '\udc00',
      '*',
    );
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ unit: nasty, maxLength: 200 }),
    );
    fc.assert(
      fc.property(text, (s) => {
        const q = quoteComment(s);
        expect(q.startsWith('"') && q.endsWith('"')).toBe(true);
        expect(q.match(/"/g)).toHaveLength(2);
        expect(/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\\]/u.test(q)).toBe(false);
        expect(bytes(q)).toBeLessThanOrEqual(130);
        // Sanitising is idempotent: what we print is a fixed point.
        expect(sanitizeText(q.slice(1, -1), 128)).toBe(q.slice(1, -1));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('quoteString / quoteLogPrefix', () => {
  it('truncates to the given byte count', () => {
    expect(quoteString('abcdef', 3)).toBe('"abc"');
  });
  it('log prefix: 127 bytes, and $ replaced (nft 1.0.6 expands $var in log prefixes)', () => {
    expect(quoteLogPrefix('cost $5 ${y}')).toBe('"cost _5 _{y}"');
    expect(quoteLogPrefix('a'.repeat(200))).toBe(`"${'a'.repeat(127)}"`);
  });
});

describe('quoteIfname', () => {
  it('quotes valid names and escapes a literal trailing *', () => {
    expect(quoteIfname('tap100i0')).toBe('"tap100i0"');
    expect(quoteIfname('a;b$c')).toBe('"a;b$c"');
    expect(quoteIfname('abcdefghijklmno')).toBe('"abcdefghijklmno"');
    expect(quoteIfname('tap100*')).toBe('"tap100\\*"');
    expect(quoteIfname('ta*p')).toBe('"ta*p"');
    expect(quoteIfname('tap100*', { wildcard: true })).toBe('"tap100*"');
  });

  it.each([
    ['', 'empty'],
    ['abcdefghijklmnop', '16 bytes'],
    ['abcdefghijklmn*', '15 bytes with literal * (nft counts the backslash)'],
    ['a b', 'space'],
    ['a/b', 'slash'],
    ['a:b', 'colon'],
    ['a"b', 'quote'],
    ['a\\b', 'backslash'],
    ['a\nb', 'newline'],
    ['a\tb', 'tab'],
    ['a\u007fb', 'DEL'],
    ['@x', 'set reference in JSON'],
    ['..', 'dot-dot'],
    ['x"; flush ruleset; "', 'injection'],
  ])('refuses %j (%s)', (name) => {
    expect(() => quoteIfname(name)).toThrow(NftNameError);
  });

  it('refuses a bare * and a wildcard without *', () => {
    expect(() => quoteIfname('*', { wildcard: true })).toThrow(NftNameError);
    expect(() => quoteIfname('tap', { wildcard: true })).toThrow(NftNameError);
  });

  it('reports the offending name', () => {
    try {
      quoteIfname('a b');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NftNameError);
      expect((e as NftNameError).ifname).toBe('a b');
    }
  });
});

describe('assertIdentifier', () => {
  it.each([
    'pve_fw',
    'pve-fw',
    'pve.fw',
    'guest100/net0',
    'tap100i0',
    '_x',
    'input',
    'filter',
    'g100_in',
    'a'.repeat(255),
  ])('accepts %j', (name) => {
    expect(assertIdentifier(name)).toBe(name);
  });
  it.each([
    '',
    '100guest',
    'a b',
    'a$b',
    'a@b',
    '"x"',
    'a:b',
    'fwd',
    'counter',
    'accept',
    'ip',
    'set',
    'log',
    'map',
    'table',
    'a'.repeat(256),
  ])('refuses %j', (name) => {
    expect(() => assertIdentifier(name)).toThrow(NftIdentifierError);
  });
});

describe.skipIf(!canNetns)('quoted text in nft (fresh network namespace)', () => {
  it('the injection payload stays one rule with one comment', () => {
    const text =
      'table inet t {\n  chain c {\n' +
      `    tcp dport 22 accept comment ${quoteComment(INJECTION)}\n  }\n}\n`;
    const r = inNetns('nft -f x.nft && nft -j list chain inet t c', { 'x.nft': text });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const rules = (JSON.parse(r.stdout) as { nftables: Record<string, unknown>[] }).nftables.filter(
      (o) => 'rule' in o,
    );
    expect(rules).toHaveLength(1);
    expect((rules[0] as { rule: { comment: string } }).rule.comment).toBe(
      quoteComment(INJECTION).slice(1, -1),
    );
  });

  it('128-byte comments and 127-byte log prefixes (multibyte) load', () => {
    const text =
      'table inet t {\n  chain c {\n' +
      `    log prefix ${quoteLogPrefix('ü'.repeat(100))} ` +
      `accept comment ${quoteComment('ü'.repeat(100))}\n  }\n}\n`;

    expect(inNetns('nft -f x.nft', { 'x.nft': text })).toMatchObject({ status: 0, stderr: '' });
  });
});
