// hoist-sets.ts: lists used by two or more rules of a table become one shared named set; the
// rules keep their meaning (putting the elements back inline gives the table as built).
import { describe, expect, it } from 'vitest';
import { hoistSharedSets } from '../../src/generate/hoist-sets.js';
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

function table(chains: nft.Rule[][], sets: nft.NamedSet[] = []): nft.Table {
  return {
    family: 'bridge',
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
  it('shares a list used by rules in different chains, keeps a list used once inline', () => {
    const ports = set(num(22), num(80));
    const build = (): nft.Table =>
      table([
        [
          { stmts: [match(tcpDport, ports), accept] },
          { stmts: [match(tcpDport, set(num(25), num(587))), accept] },
        ],
        [{ stmts: [match(tcpDport, ports, '!='), accept], comment: 'keeps its comment' }],
      ]);
    const after = hoistSharedSets(build());
    expect(after.sets).toEqual([
      {
        name: 'list_inet_service_0',
        type: 'inet_service',
        interval: false,
        elements: [num(22), num(80)],
      },
    ]);
    const text = emitText({ commands: [{ kind: 'define-table', table: after }] });
    expect(text).toContain('    tcp dport @list_inet_service_0 accept\n');
    expect(text).toContain('    tcp dport { 25, 587 } accept\n');
    expect(text).toContain(
      '    tcp dport != @list_inet_service_0 accept comment "keeps its comment"\n',
    );
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
        name: 'list_ipv4_addr_0',
        type: 'ipv4_addr',
        interval: true,
        autoMerge: true,
        elements: nets.kind === 'set' ? nets.elements : [],
      },
    ]);
  });

  it('numbers per key type in order of first use and never reuses a name the table has', () => {
    const types = set(sym('nd-router-solicit'), sym('nd-neighbor-solicit'));
    const ports = set(num(1), num(2));
    const ports2 = set(num(3), num(4));
    const existing: nft.NamedSet = {
      name: 'list_inet_service_0',
      type: 'inet_service',
      interval: false,
      elements: [num(9)],
    };
    const build = (): nft.Table =>
      table(
        [
          [ports, ports, types, types, ports2, ports2].map((v) => ({
            stmts: [match(v === types ? icmpv6Type : tcpDport, v), accept],
          })),
        ],
        [{ ...existing }],
      );
    const before = build();
    const after = hoistSharedSets(build());
    expect(after.sets.map((s) => s.name)).toEqual([
      'list_inet_service_0',
      'list_inet_service_1',
      'list_icmpv6_type_0',
      'list_inet_service_2',
    ]);
    expect(() => checkScript({ commands: [{ kind: 'define-table', table: after }] })).not.toThrow();
    expect(inlineBack({ ...after, sets: after.sets.filter((s) => s !== after.sets[0]) })).toEqual({
      ...before,
      sets: [],
    });
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
