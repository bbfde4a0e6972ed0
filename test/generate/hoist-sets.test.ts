// hoist-sets.ts: lists become shared named sets named by their content (inet: those used by two or
// more rules; bridge: all); the rules keep their meaning (putting the elements back inline gives
// the table as built).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hoistSharedSets, setDigests } from '../../src/generate/hoist-sets.js';
import { checkScript } from '../../src/nft/check-script.js';
import { emitText } from '../../src/nft/emit-text.js';
import type * as nft from '../../src/nft/model.js';

const tcpDport: nft.Expr = { kind: 'payload', proto: 'tcp', field: 'dport' };
const ipSaddr: nft.Expr = { kind: 'payload', proto: 'ip', field: 'saddr' };
const icmpv6Type: nft.Expr = { kind: 'payload', proto: 'icmpv6', field: 'type' };
const num = (value: number): nft.Value => ({ kind: 'num', value });
const sym = (value: string): nft.Value => ({ kind: 'sym', value });
const set = (...elements: nft.Value[]): nft.Value => ({ kind: 'set', elements });
const accept: nft.Stmt = { kind: 'verdict', verdict: { kind: 'accept' } };
const match = (left: nft.Expr, right: nft.Value, op: '==' | '!=' = '=='): nft.Stmt => ({
  kind: 'match',
  left,
  op,
  right,
});

function table(
  chains: nft.Rule[][],
  sets: nft.NamedSet[] = [],
  family: 'bridge' | 'inet' = 'bridge',
): nft.Table {
  return {
    family,
    name: 'fwgen',
    sets,
    maps: [],
    chains: chains.map((rules, i) => ({ name: `c${i}`, rules })),
  };
}

/** The table with every `@list_…` lookup replaced by its set's elements, and those sets removed. */
function inlineBack(t: nft.Table): nft.Table {
  const shared = new Map(
    t.sets.filter((s) => s.name.startsWith('list_')).map((s) => [s.name, s.elements]),
  );
  return {
    ...t,
    sets: t.sets.filter((s) => !shared.has(s.name)),
    chains: t.chains.map((c) => ({
      ...c,
      rules: c.rules.map((r) => ({
        ...r,
        stmts: r.stmts.map((s) =>
          s.kind === 'match' && s.right.kind === 'set-ref' && shared.has(s.right.name)
            ? { ...s, right: set(...(shared.get(s.right.name) ?? [])) }
            : s,
        ),
      })),
    })),
  };
}

describe('hoistSharedSets', () => {
  it('inet: shares a list used by rules in different chains, keeps a list used once inline', () => {
    const ports = set(num(22), num(80));
    const build = (): nft.Table =>
      table(
        [
          [
            { stmts: [match(tcpDport, ports), accept] },
            { stmts: [match(tcpDport, set(num(25), num(587))), accept] },
          ],
          [{ stmts: [match(tcpDport, ports, '!='), accept], comment: 'keeps its comment' }],
        ],
        [],
        'inet',
      );
    const after = hoistSharedSets(build());
    expect(after.sets).toHaveLength(1);
    const name = after.sets[0]?.name ?? '';
    expect(name).toMatch(/^list_inet_service_[0-9a-f]{8}$/);
    expect(after.sets[0]).toEqual({
      name,
      type: 'inet_service',
      interval: false,
      elements: [num(22), num(80)],
    });
    const text = emitText({ commands: [{ kind: 'define-table', table: after }] });
    expect(text).toContain(`    tcp dport @${name} accept\n`);
    expect(text).toContain('    tcp dport { 25, 587 } accept\n');
    expect(text).toContain(`    tcp dport != @${name} accept comment "keeps its comment"\n`);
    expect(inlineBack(after)).toEqual(build());
  });

  it('bridge: hoists every list, even one used once (whether it is shared must not depend on other guests)', () => {
    const build = (): nft.Table =>
      table([[{ stmts: [match(tcpDport, set(num(25), num(587))), accept] }]]);
    const after = hoistSharedSets(build());
    expect(after.sets.map((s) => s.name)).toEqual([expect.stringMatching(/^list_inet_service_/)]);
    expect(inlineBack(after)).toEqual(build());
  });

  it('marks lists with prefixes or ranges as auto-merging interval sets', () => {
    const nets = set({ kind: 'prefix', addr: '10.0.0.0', len: 8 }, sym('192.0.2.1'));
    const after = hoistSharedSets(
      table([
        [
          { stmts: [match(ipSaddr, nets), accept] },
          { stmts: [match(ipSaddr, nets), { kind: 'verdict', verdict: { kind: 'drop' } }] },
        ],
      ]),
    );
    expect(after.sets).toEqual([
      {
        name: expect.stringMatching(/^list_ipv4_addr_[0-9a-f]{8}$/),
        type: 'ipv4_addr',
        interval: true,
        autoMerge: true,
        elements: nets.kind === 'set' ? nets.elements : [],
      },
    ]);
  });

  it('names a set by its content only: the same list has the same name whatever else the table holds', () => {
    const types = set(sym('nd-router-solicit'), sym('nd-neighbor-solicit'));
    const ports = set(num(1), num(2));
    const ports2 = set(num(3), num(4));
    const rules = (lists: nft.Value[]): nft.Rule[] =>
      lists.map((v) => ({ stmts: [match(v === types ? icmpv6Type : tcpDport, v), accept] }));
    const nameOf = (t: nft.Table, elements: nft.Value): string | undefined =>
      t.sets.find((s) => elements.kind === 'set' && s.elements === elements.elements)?.name;

    const a = hoistSharedSets(table([rules([ports, types, ports2])]));
    const b = hoistSharedSets(table([rules([ports2]), rules([types, ports2, ports])]));
    const c = hoistSharedSets(table([rules([ports2])]));
    for (const v of [ports, types, ports2]) expect(nameOf(b, v)).toBe(nameOf(a, v));
    expect(nameOf(c, ports2)).toBe(nameOf(a, ports2));
    expect(new Set([ports, types, ports2].map((v) => nameOf(a, v))).size).toBe(3);
    // Listed by name, not by first use.
    expect(b.sets.map((s) => s.name)).toEqual(a.sets.map((s) => s.name));
    expect(a.sets.map((s) => s.name)).toEqual([...a.sets.map((s) => s.name)].sort());
    expect(() => checkScript({ commands: [{ kind: 'define-table', table: a }] })).not.toThrow();
  });

  it('throws on a name the table already has (a generator bug, not a renumbering)', () => {
    const ports = set(num(1), num(2));
    const probe = hoistSharedSets(table([[{ stmts: [match(tcpDport, ports), accept] }]]));
    const taken = probe.sets[0]?.name ?? '';
    const existing: nft.NamedSet = {
      name: taken,
      type: 'inet_service',
      interval: false,
      elements: [num(9)],
    };
    expect(() =>
      hoistSharedSets(table([[{ stmts: [match(tcpDport, ports), accept] }]], [existing])),
    ).toThrow(`hoisted set ${taken} clashes with a set or map`);
  });

  it('leaves lists it cannot type (masked flags, concatenations) anonymous', () => {
    const flags: nft.Expr = {
      kind: 'and',
      expr: { kind: 'payload', proto: 'tcp', field: 'flags' },
      mask: sym('syn'),
    };
    const before = table([
      [0, 1].map(() => ({ stmts: [match(flags, set(sym('syn'), sym('fin'))), accept] })),
    ]);
    expect(hoistSharedSets(before)).toBe(before);
  });
});

describe('setDigests', () => {
  it('gives every key of a group that shares the short digest a longer one, in any order', () => {
    // Birthday search for two keys whose SHA-256 share the first 8 hex digits (~10^5 hashes).
    const seen = new Map<string, string>();
    let pair: [string, string] | null = null;
    for (let i = 0; pair === null; i++) {
      const k = `k${i}`;
      const short = createHash('sha256').update(k).digest('hex').slice(0, 8);
      const other = seen.get(short);
      if (other !== undefined) pair = [other, k];
      else seen.set(short, k);
    }
    const keys = [pair[0], 'other', pair[1]];
    const d = setDigests(keys);
    expect(d.get(pair[0])).toHaveLength(16);
    expect(d.get(pair[1])).toHaveLength(16);
    expect(d.get(pair[0])).not.toBe(d.get(pair[1]));
    expect(d.get('other')).toHaveLength(8);
    expect(setDigests([...keys].reverse())).toEqual(d);
  });
});

describe('checkScript: set lookups', () => {
  it('refuses a named set whose key type differs from the expression it is matched with', () => {
    const t = table(
      [[{ stmts: [match(ipSaddr, { kind: 'set-ref', name: 'ports' }), accept] }]],
      [{ name: 'ports', type: 'inet_service', interval: false, elements: [num(22)] }],
    );
    expect(() => checkScript({ commands: [{ kind: 'define-table', table: t }] })).toThrow(
      'set of inet_service matched against an expression of ipv4_addr',
    );
  });
});
