// planIncremental on hand-made models (order inside the transaction, what falls back to a full
// replace) and on compiled trees (a one-guest change is small; churn at 1,000 guests is one
// incremental transaction).
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planIncremental, planSummary, type IncrementalPlan } from '../../src/apply/diff-model.js';
import {
  packValue,
  snapshotModel,
  unpackValue,
  type ModelSnapshot,
} from '../../src/apply/model-snapshot.js';
import { compile } from '../../src/compile.js';
import { loadTree } from '../../src/load/load-tree.js';
import { emitJson } from '../../src/nft/emit-json.js';
import { emitText } from '../../src/nft/emit-text.js';
import type * as nft from '../../src/nft/model.js';
import { HERE } from './helpers.js';

const ref: nft.TableRef = { family: 'bridge', name: 'fwgen' };
const str = (value: string): nft.Value => ({ kind: 'str', value });
const sym = (value: string): nft.Value => ({ kind: 'sym', value });
const accept: nft.Rule = { stmts: [{ kind: 'verdict', verdict: { kind: 'accept' } }] };
const jump = (chain: string): nft.Verdict => ({ kind: 'jump', chain });

function table(over: Partial<nft.Table> = {}): nft.Table {
  return {
    family: 'bridge',
    name: 'fwgen',
    sets: [{ name: 'ips', type: 'ipv4_addr', interval: false, elements: [sym('192.0.2.1')] }],
    maps: [
      {
        name: 'dispatch',
        type: 'ifname',
        elements: [
          { key: str('tap100i0'), verdict: jump('g100') },
          { key: str('tap101i0'), verdict: jump('g101') },
        ],
      },
    ],
    chains: [
      {
        name: 'forward',
        base: { type: 'filter', hook: 'forward', priority: 0, policy: 'accept' },
        rules: [
          { stmts: [{ kind: 'vmap', key: { kind: 'meta', key: 'oifname' }, map: 'dispatch' }] },
        ],
      },
      { name: 'g100', rules: [accept] },
      { name: 'g101', rules: [accept] },
    ],
    ...over,
  };
}

function script(t: nft.Table): nft.Script {
  return {
    commands: [
      { kind: 'add-table', table: ref },
      { kind: 'delete-table', table: ref },
      { kind: 'define-table', table: t },
    ],
  };
}

function plan(a: nft.Table, b: nft.Table): IncrementalPlan | string {
  const prev = snapshotModel(script(a), 'a')!;
  const next = snapshotModel(script(b), 'b')!;
  // Through JSON, as it is stored.
  return planIncremental(JSON.parse(JSON.stringify(prev)) as ModelSnapshot, script(b), next);
}

function planText(a: nft.Table, b: nft.Table): string {
  const p = plan(a, b);
  if (typeof p === 'string') throw new Error(`full replace: ${p}`);
  return emitText(p.script);
}

describe('planIncremental', () => {
  it('removes a guest: map element first, then flush and delete its chain', () => {
    const b = table();
    b.maps[0]!.elements.pop();
    b.chains.pop();
    expect(planText(table(), b)).toBe(
      [
        'delete element bridge fwgen dispatch { "tap101i0" }',
        'flush chain bridge fwgen g101',
        'delete chain bridge fwgen g101',
        '',
      ].join('\n'),
    );
  });

  it('adds a guest: the chain exists before the map element that jumps to it', () => {
    const b = table();
    b.maps[0]!.elements.push({ key: str('tap102i0'), verdict: jump('g102') });
    b.chains.push({ name: 'g102', comment: 'guest 102', rules: [accept, accept] });
    expect(planText(table(), b)).toBe(
      [
        'add chain bridge fwgen g102 { comment "guest 102"; }',
        'add element bridge fwgen dispatch { "tap102i0" : jump g102 }',
        'add rule bridge fwgen g102 accept',
        'add rule bridge fwgen g102 accept',
        '',
      ].join('\n'),
    );
  });

  it('refills a changed chain, re-points a map key, diffs set elements', () => {
    const b = table();
    b.chains[1] = {
      name: 'g100',
      rules: [{ stmts: [{ kind: 'verdict', verdict: { kind: 'drop' } }] }],
    };
    b.maps[0]!.elements[1] = { key: str('tap101i0'), verdict: jump('g100') };
    b.sets[0]!.elements = [sym('192.0.2.2')];
    expect(planText(table(), b)).toBe(
      [
        'delete element bridge fwgen ips { 192.0.2.1 }',
        'delete element bridge fwgen dispatch { "tap101i0" }',
        'flush chain bridge fwgen g100',
        'add element bridge fwgen ips { 192.0.2.2 }',
        'add element bridge fwgen dispatch { "tap101i0" : jump g100 }',
        'add rule bridge fwgen g100 drop',
        '',
      ].join('\n'),
    );
  });

  it('refills an auto-merge set whole: the kernel holds merged elements', () => {
    const merge = (elements: nft.Value[]): Partial<nft.Table> => ({
      sets: [{ name: 'nets', type: 'ipv4_addr', interval: true, autoMerge: true, elements }],
    });
    const a = table(merge([{ kind: 'prefix', addr: '192.0.2.0', len: 25 }]));
    const b = table(merge([{ kind: 'prefix', addr: '192.0.2.128', len: 25 }, sym('10.0.0.1')]));
    expect(planText(a, b)).toBe(
      [
        'flush set bridge fwgen nets',
        'add element bridge fwgen nets { 192.0.2.128/25, 10.0.0.1 }',
        '',
      ].join('\n'),
    );
  });

  it('adds and removes sets and maps around the rules that use them', () => {
    const b = table({
      sets: [{ name: 'ports', type: 'inet_service', interval: false, elements: [] }],
    });
    b.chains[1]!.rules = [
      {
        stmts: [
          {
            kind: 'match',
            left: { kind: 'payload', proto: 'th', field: 'dport' },
            op: '==',
            right: { kind: 'set-ref', name: 'ports' },
          },
          { kind: 'verdict', verdict: { kind: 'accept' } },
        ],
      },
    ];
    expect(planText(table(), b)).toBe(
      [
        'flush chain bridge fwgen g100',
        'delete set bridge fwgen ips',
        'add set bridge fwgen ports {',
        '  type inet_service',
        '}',
        'add rule bridge fwgen g100 th dport @ports accept',
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['a base chain policy', (t: nft.Table) => void (t.chains[0]!.base!.policy = 'drop')],
    ['a base chain added', (t: nft.Table) => void t.chains.push({ ...t.chains[0]!, name: 'out' })],
    ['a chain comment', (t: nft.Table) => void (t.chains[1]!.comment = 'x')],
    [
      'ct helpers',
      (t: nft.Table) =>
        void (t.ctHelpers = [{ name: 'ftp', type: 'ftp', protocol: 'tcp', l3proto: 'inet' }]),
    ],
  ])('replaces the table when %s changes', (_what, edit) => {
    const b = table();
    edit(b);
    expect(plan(table(), b)).toMatch(/changed|added/);
  });

  it('recreates a set whose flags changed and refills the chains that use it', () => {
    const lookup: nft.Rule = {
      stmts: [
        {
          kind: 'match',
          left: { kind: 'payload', proto: 'ip', field: 'saddr' },
          op: '==',
          right: { kind: 'set-ref', name: 'ips' },
        },
        { kind: 'verdict', verdict: { kind: 'drop' } },
      ],
    };
    const a = table();
    a.chains[1]!.rules = [lookup];
    const b = table();
    b.chains[1]!.rules = [lookup];
    b.sets[0]!.interval = true;
    expect(planText(a, b)).toBe(
      [
        'flush chain bridge fwgen g100',
        'delete set bridge fwgen ips',
        'add set bridge fwgen ips {',
        '  type ipv4_addr',
        '  flags interval',
        '  elements = { 192.0.2.1 }',
        '}',
        'add rule bridge fwgen g100 ip saddr @ips drop',
        '',
      ].join('\n'),
    );
  });

  it('replaces a table that appears or goes, and edits the other in place', () => {
    const inet: nft.TableRef = { family: 'inet', name: 'fwgen' };
    const withInet = (define: boolean, t: nft.Table): nft.Script => ({
      commands: [
        { kind: 'add-table', table: inet },
        { kind: 'delete-table', table: inet },
        ...(define
          ? [
              {
                kind: 'define-table' as const,
                table: { ...table(), family: 'inet' as const },
              },
            ]
          : []),
        ...script(t).commands,
      ],
    });
    const b = table();
    b.chains[2]!.rules = [];
    const prev = snapshotModel(withInet(false, table()), 'a')!;
    const p = planIncremental(prev, withInet(true, b), snapshotModel(withInet(true, b), 'b')!);
    if (typeof p === 'string') throw new Error(p);
    expect(p.updated).toEqual(['bridge fwgen']);
    expect(p.replaced).toEqual([{ table: 'inet fwgen', why: 'table added' }]);
    expect(emitText(p.script)).toMatch(
      /^add table inet fwgen\ndelete table inet fwgen\ntable inet fwgen \{\n/,
    );
    expect(emitText(p.script)).toMatch(/\nflush chain bridge fwgen g101\n$/);
    // No table to edit in place: the full script.
    expect(
      planIncremental(prev, withInet(true, table()), snapshotModel(withInet(true, table()), 'b')!),
    ).toBe('inet fwgen: table added');
  });

  it('emits the same plan as JSON, with only adds, deletes and flushes of named objects', () => {
    const b = table();
    b.maps[0]!.elements.pop();
    b.chains.pop();
    b.chains.push({ name: 'g102', rules: [accept] });
    const p = plan(table(), b);
    if (typeof p === 'string') throw new Error(p);
    const doc = emitJson(p.script).nftables.slice(1);
    expect(
      doc.map(
        (c) =>
          Object.keys(c as object)[0] +
          ' ' +
          Object.keys(Object.values(c as object)[0] as object)[0],
      ),
    ).toEqual(['delete element', 'flush chain', 'delete chain', 'add chain', 'add rule']);
    expect(doc[0]).toEqual({
      delete: {
        element: { family: 'bridge', table: 'fwgen', name: 'dispatch', elem: ['tap101i0'] },
      },
    });
  });

  it('packs values losslessly', () => {
    const values: nft.Value[] = [
      str('tap1*'),
      { kind: 'str', value: 'veth*', wildcard: true },
      { kind: 'num', value: 22 },
      {
        kind: 'concat',
        values: [str('tap100i0'), { kind: 'prefix', addr: '2001:db8::', len: 64 }],
      },
      { kind: 'range', from: sym('10.0.0.1'), to: sym('10.0.0.9') },
      { kind: 'flags', sep: '|', values: ['fin', 'syn'] },
    ];
    for (const v of values)
      expect(unpackValue(JSON.parse(JSON.stringify(packValue(v))))).toEqual(v);
  });
});

describe('planIncremental on compiled trees', () => {
  let dir = '';
  const compileDir = async (root: string): Promise<{ script: nft.Script; text: string }> => {
    const tree = await loadTree(root, 'pve1');
    const r = compile(
      { ...tree, corosync: null },
      {
        format: 'nft',
        localNetwork: [{ family: 4, addr: '192.0.2.0', len: 24 } as never],
        now: 1_800_000_000,
      },
    );
    if (r.script === undefined || typeof r.ruleset !== 'string') throw new Error('no ruleset');
    return { script: r.script, text: r.ruleset };
  };
  const gen = (out: string, guests: number): void => {
    execFileSync('node', [
      path.join(HERE, '..', '..', 'bench', 'gen-tree.mjs'),
      out,
      ...['--guests', String(guests), '--rules', '5', '--ipset-entries', '50', '--seed', '7'],
    ]);
  };
  const removeGuests = async (root: string, from: number, to: number): Promise<void> => {
    for (let v = from; v < to; v++)
      for (const f of [
        `nodes/pve1/qemu-server/${v}.conf`,
        `nodes/pve1/lxc/${v}.conf`,
        `firewall/${v}.fw`,
      ])
        await unlink(path.join(root, f)).catch(() => undefined);
  };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'fwgen-diff-model-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'churn at 1,000 guests (100 in, 100 out) is one incremental transaction',
    { timeout: 120_000 },
    async () => {
      // One tree of 1,100 guests seen two ways: before without the last 100, after without the first.
      const before = path.join(dir, 'before');
      const after = path.join(dir, 'after');
      gen(before, 1100);
      gen(after, 1100);
      await removeGuests(before, 1100, 1200);
      await removeGuests(after, 100, 200);
      const a = await compileDir(before);
      const b = await compileDir(after);
      const p = planIncremental(
        snapshotModel(a.script, 'a')!,
        b.script,
        snapshotModel(b.script, 'b')!,
      );
      if (typeof p === 'string') throw new Error(`full replace: ${p}`);
      console.log(
        `churn plan: ${planSummary(p)}; ${emitText(p.script).length} bytes vs ${b.text.length} full`,
      );
      expect(p.replaced).toEqual([]);
      expect(p.updated).toContain('bridge fwgen');
      // Only the 200 guests' chains come and go (set names are content-derived): no chain is
      // refilled, and the update is a fraction of the full script.
      expect(planSummary(p)).toContain(' 0 refilled');
      expect(emitText(p.script).length).toBeLessThan(b.text.length / 4);
      const kinds = p.script.commands.map((c) => c.kind);
      expect(kinds).toContain('add-chain');
      expect(kinds).toContain('delete-chain');
      expect(kinds).not.toContain('define-table');
    },
  );
});
