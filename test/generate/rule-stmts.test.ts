import { describe, expect, it } from 'vitest';
import { IpSets } from '../../src/generate/ipsets.js';
import {
  RuleSkipped,
  ruleFamilies,
  ruleStmts,
  type MatchContext,
} from '../../src/generate/rule-stmts.js';
import { emitText } from '../../src/nft/emit-text.js';
import type * as nft from '../../src/nft/model.js';
import type * as ir from '../../src/resolve/ir.js';
import * as b from './ir-builders.js';

/** Render match lists through the real emitter (inside a throw-away table). */
function render(
  rule: ir.Rule,
  table: 'inet' | 'bridge' = 'inet',
  ifaceKey: MatchContext['ifaceKey'] = 'iifname',
): string[] {
  const sets = new IpSets();
  const lists = ruleStmts(rule, { table, ifaceKey, sets });
  const t: nft.Table = {
    family: table,
    name: 't',
    sets: sets.toNamedSets(),
    maps: [],
    chains: [
      {
        name: 'c',
        rules: lists.map((stmts) => ({
          stmts: [...stmts, { kind: 'verdict', verdict: { kind: 'accept' } }],
        })),
      },
    ],
  };
  const text = emitText({ commands: [{ kind: 'define-table', table: t }] });
  return text
    .split('\n')
    .filter((l) => l.startsWith('    '))
    .map((l) => l.trim())
    .filter(
      (l) =>
        !l.startsWith('elements') &&
        !l.startsWith('type ') &&
        !l.startsWith('flags') &&
        l !== 'auto-merge' &&
        !l.startsWith('comment'),
    );
}

describe('ruleStmts', () => {
  it('family-neutral rule without addresses: one copy, no family match', () => {
    expect(render(b.rule({ proto: b.tcp, dport: b.ports(22) }))).toEqual(['tcp dport 22 accept']);
    expect(render(b.rule({}))).toEqual(['accept']);
  });

  it('ports: single, range, list, sport and dport', () => {
    expect(
      render(b.rule({ proto: b.udp, sport: b.ports(53), dport: b.ports([1024, 65535]) })),
    ).toEqual(['udp sport 53 udp dport 1024-65535 accept']);
    expect(render(b.rule({ proto: b.tcp, dport: b.ports(80, 443, [8000, 8080]) }))).toEqual([
      'tcp dport { 80, 443, 8000-8080 } accept',
    ]);
    expect(
      render(b.rule({ proto: { kind: 'named', name: '6', number: 6 }, dport: b.ports(22) })),
    ).toEqual(['tcp dport 22 accept']);
    expect(
      render(b.rule({ proto: { kind: 'named', name: 'sctp', number: 132 }, dport: b.ports(9) })),
    ).toEqual(['sctp dport 9 accept']);
  });

  it('protocol without ports: meta l4proto keyword or number', () => {
    expect(render(b.rule({ proto: b.tcp }))).toEqual(['meta l4proto tcp accept']);
    expect(render(b.rule({ proto: { kind: 'named', name: 'gre', number: 47 } }))).toEqual([
      'meta l4proto 47 accept',
    ]);
  });

  it('ICMP: type, type+code, any; the family is matched when no address fixes it', () => {
    expect(
      render(
        b.rule({ proto: { kind: 'icmp', family: 4, type: { type: 'echo-request', code: null } } }),
      ),
    ).toEqual(['meta nfproto ipv4 icmp type echo-request accept']);
    expect(
      render(b.rule({ proto: { kind: 'icmp', family: 4, type: { type: 3, code: 4 } } })),
    ).toEqual(['meta nfproto ipv4 icmp type 3 icmp code 4 accept']);
    expect(render(b.rule({ proto: { kind: 'icmp', family: 6, type: null } }), 'bridge')).toEqual([
      'meta protocol ip6 meta l4proto icmpv6 accept',
    ]);
    expect(
      render(
        b.rule({
          family: 6,
          proto: { kind: 'icmp', family: 6, type: null },
          source: b.addresses('2001:db8::/32'),
        }),
      ),
    ).toEqual(['ip6 saddr 2001:db8::/32 meta l4proto icmpv6 accept']);
  });

  it('family fixed without addresses (macro line): meta nfproto', () => {
    expect(render(b.rule({ family: 6, proto: b.udp, dport: b.ports(547) }))).toEqual([
      'meta nfproto ipv6 udp dport 547 accept',
    ]);
  });

  it('literal addresses: single prefix, host, list, range', () => {
    expect(render(b.rule({ source: b.addresses('10.0.0.0/8') }))).toEqual([
      'ip saddr 10.0.0.0/8 accept',
    ]);
    expect(render(b.rule({ dest: b.addresses('192.0.2.1', '192.0.2.64/26') }))).toEqual([
      'ip daddr { 192.0.2.1, 192.0.2.64/26 } accept',
    ]);
    const range: ir.AddressMatch = {
      kind: 'addresses',
      family: 4,
      items: [{ kind: 'range', family: 4, from: '192.0.2.10', to: '192.0.2.20' }],
    };
    expect(render(b.rule({ source: range }))).toEqual(['ip saddr 192.0.2.10-192.0.2.20 accept']);
  });

  it("ipset: one copy per family with that family's set; a family with no entries is skipped", () => {
    const both = b.ipset('dc/both', ['10.0.0.0/8', 'fd00::/8']);
    expect(
      render(b.rule({ source: { kind: 'ipset', set: both }, proto: b.tcp, dport: b.ports(22) })),
    ).toEqual([
      'ip saddr @v4_dc/both tcp dport 22 accept',
      'ip6 saddr @v6_dc/both tcp dport 22 accept',
    ]);
    const v4only = b.ipset('dc/v4only', ['10.0.0.0/8']);
    expect(render(b.rule({ source: { kind: 'ipset', set: v4only } }))).toEqual([
      'ip saddr @v4_dc/v4only accept',
    ]);
    expect(render(b.rule({ source: { kind: 'ipset', set: b.ipset('dc/empty', []) } }))).toEqual([]);
    // an ipset together with a v6 literal: only the v6 copy
    expect(
      render(b.rule({ source: { kind: 'ipset', set: both }, dest: b.addresses('2001:db8::1') })),
    ).toEqual(['ip6 saddr @v6_dc/both ip6 daddr 2001:db8::1 accept']);
  });

  it('interface: iifname/oifname for host rules, nothing for guests', () => {
    expect(render(b.rule({ iface: 'vmbr0' }), 'inet', 'iifname')).toEqual([
      'iifname "vmbr0" accept',
    ]);
    expect(render(b.rule({ iface: 'vmbr0' }), 'inet', 'oifname')).toEqual([
      'oifname "vmbr0" accept',
    ]);
    expect(render(b.rule({ iface: 'tap100i0', nic: 0 }), 'bridge', null)).toEqual(['accept']);
  });

  it('inconsistent rules are refused (RuleSkipped)', () => {
    expect(() => ruleFamilies(b.rule({ family: 4, source: b.addresses('2001:db8::1') }))).toThrow(
      RuleSkipped,
    );
    expect(() => render(b.rule({ dport: b.ports(22) }))).toThrow(RuleSkipped);
    expect(() =>
      render(b.rule({ proto: { kind: 'named', name: 'gre', number: 47 }, dport: b.ports(22) })),
    ).toThrow(RuleSkipped);
  });

  it('set elements are in address order', () => {
    const s = b.ipset('dc/x', ['10.0.0.0/8', '2001:db8::/32', '9.0.0.0/8', '::1', '192.0.2.1']);
    const sets = new IpSets();
    sets.name(s, 4);
    sets.name(s, 6);
    const named = sets.toNamedSets();
    expect(named.map((n) => n.elements)).toEqual([
      [
        { kind: 'prefix', addr: '9.0.0.0', len: 8 },
        { kind: 'prefix', addr: '10.0.0.0', len: 8 },
        { kind: 'sym', value: '192.0.2.1' },
      ],
      [
        { kind: 'sym', value: '::1' },
        { kind: 'prefix', addr: '2001:db8::', len: 32 },
      ],
    ]);
  });
});
