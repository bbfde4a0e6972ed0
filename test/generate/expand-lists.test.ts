// expand-lists.ts: a guest rule's small lists become one rule per element (log copy right before
// its own copy), only when the action ends the walk; large lists stay sets.
import { describe, expect, it } from 'vitest';
import { guestRuleRules, MAX_RULE_COPIES } from '../../src/generate/expand-lists.js';
import { IpSets } from '../../src/generate/ipsets.js';
import { jump, verdict, ACCEPT, type MatchContext } from '../../src/generate/rule-stmts.js';
import { emitText } from '../../src/nft/emit-text.js';
import type * as nft from '../../src/nft/model.js';
import * as b from './ir-builders.js';
import { chainRules, gen } from './text-helpers.js';

/** The rules as nft prints them, in a throwaway chain. */
function text(rules: nft.Rule[]): string[] {
  const table: nft.Table = {
    family: 'bridge',
    name: 't',
    sets: [],
    maps: [],
    chains: [
      { name: 'c', rules },
      { name: 'other', rules: [] },
      { name: 'do_reject', rules: [] },
    ],
  };
  const out = emitText({ commands: [{ kind: 'define-table', table }] });
  return out
    .split('\n')
    .filter((l) => l.startsWith('    '))
    .map((l) => l.trim().replace(/ comment ".*"$/, ''));
}

const ctx = (): MatchContext => ({ table: 'bridge', ifaceKey: null, sets: new IpSets() });
const noLog = {
  log: null,
  ratelimit: { enabled: false, rate: 1, per: 'second', burst: 5 },
} as const;

describe('guestRuleRules', () => {
  it('one rule per element; a log copy sits right before its own copy', () => {
    const r = b.rule({ proto: b.tcp, dport: b.ports(80, [8080, 8090]), log: 6 });
    const rules = guestRuleRules(r, ctx(), {
      action: [verdict(ACCEPT)],
      log: { vmid: 100, level: 6, chain: 'tap100i0-IN', message: 'ACCEPT: ' },
      ratelimit: noLog.ratelimit,
    });
    expect(text(rules)).toEqual([
      'tcp dport 80 log prefix ":100:6:tap100i0-IN: ACCEPT: " group 0',
      'tcp dport 80 accept',
      'tcp dport 8080-8090 log prefix ":100:6:tap100i0-IN: ACCEPT: " group 0',
      'tcp dport 8080-8090 accept',
    ]);
  });

  it('two lists: every combination, in list order', () => {
    const r = b.rule({
      proto: b.udp,
      sport: b.ports(1, 2),
      dport: b.ports(3, 4),
      dest: b.addresses('192.0.2.1', '192.0.2.0/28'),
    });
    expect(text(guestRuleRules(r, ctx(), { action: [verdict(ACCEPT)], ...noLog }))).toHaveLength(8);
  });

  it(`keeps a list when the copies would exceed ${MAX_RULE_COPIES}, or when the action may return`, () => {
    const many = b.rule({
      proto: b.tcp,
      dport: b.ports(...Array.from({ length: MAX_RULE_COPIES + 1 }, (_, i) => i + 1)),
    });
    expect(text(guestRuleRules(many, ctx(), { action: [verdict(ACCEPT)], ...noLog }))).toEqual([
      `tcp dport { ${Array.from({ length: MAX_RULE_COPIES + 1 }, (_, i) => i + 1).join(', ')} } accept`,
    ]);
    const two = b.rule({ proto: b.tcp, dport: b.ports(1, 2) });
    expect(
      text(guestRuleRules(two, ctx(), { action: [verdict(jump('other'))], ...noLog })),
    ).toEqual(['tcp dport { 1, 2 } jump other']);
    expect(
      text(guestRuleRules(two, ctx(), { action: [verdict(jump('do_reject'))], ...noLog })),
    ).toEqual(['tcp dport 1 jump do_reject', 'tcp dport 2 jump do_reject']);
  });

  it('in a guest chain: no set for a guest-specific list, the same outcome order', () => {
    const g = b.guest(100, {
      rules: [
        b.rule({ verdict: 'reject', proto: b.tcp, dport: b.ports(23, 25) }),
        b.rule({ verdict: 'accept', proto: b.tcp, dport: b.ports(22, 80) }),
      ],
    });
    const { text: out } = gen(b.config({ guests: [g] }));
    expect(out).not.toMatch(/elements = \{ (23, 25|22, 80) \}/);
    expect(out).not.toMatch(/\{ (23, 25|22, 80) \}/);
    const inRules = chainRules(out, 'bridge', 'g100_net0_in');
    const at = inRules.indexOf('tcp dport 23 drop comment "100.fw:7"');
    expect(inRules.slice(at, at + 4)).toEqual([
      'tcp dport 23 drop comment "100.fw:7"',
      'tcp dport 25 drop comment "100.fw:7"',
      'tcp dport 22 accept comment "100.fw:7"',
      'tcp dport 80 accept comment "100.fw:7"',
    ]);
    expect(chainRules(out, 'bridge', 'g100_net0_in_pre')).toContain(
      'tcp dport 25 jump do_reject comment "100.fw:7"',
    );
  });
});
