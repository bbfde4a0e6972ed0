import { describe, expect, it } from 'vitest';
import { assertJsonScope, emitJson } from '../../src/nft/emit-json.js';
import { emitText } from '../../src/nft/emit-text.js';
import type { Script } from '../../src/nft/model.js';
import { NftNameError } from '../../src/nft/quote.js';
import { bridgeTable, inetTable, replaceScript } from './fixtures.js';
import { canNetns, inNetns, nftCheckJson } from './netns.js';

type Obj = Record<string, unknown>;
const inetScript = replaceScript(inetTable());
const inetJson = emitJson(inetScript);
const rules = (doc: { nftables: unknown[] }): Obj[] =>
  doc.nftables.flatMap((o) => ((o as Obj).add as Obj | undefined)?.rule ?? []) as Obj[];

describe('emitJson', () => {
  it('starts with metainfo, then add/delete/add table, chains before sets and maps', () => {
    const kinds = inetJson.nftables.map((o) => {
      const [verb] = Object.keys(o as Obj);
      const body = (o as Obj)[verb ?? ''] as Obj;
      return `${verb} ${Object.keys(body)[0]}`;
    });
    expect(kinds.slice(0, 4)).toEqual([
      'metainfo json_schema_version',
      'add table',
      'delete table',
      'add table',
    ]);
    expect(kinds.indexOf('add map')).toBeGreaterThan(kinds.lastIndexOf('add chain'));
    expect(inetJson.nftables[1]).toEqual({
      add: { table: { family: 'inet', name: 'fwgen_test' } },
    });
  });

  it('writes matches, sets, verdicts and statements as libnftables-json(5)', () => {
    const exprs = rules(inetJson).map((r) => r.expr);
    expect(exprs).toContainEqual([
      { match: { op: 'in', left: { ct: { key: 'state' } }, right: ['established', 'related'] } },
      { accept: null },
    ]);
    expect(exprs).toContainEqual([
      {
        match: {
          op: '==',
          left: { '&': [{ payload: { protocol: 'tcp', field: 'flags' } }, ['fin', 'syn']] },
          right: ['fin', 'syn'],
        },
      },
      { drop: null },
    ]);
    expect(exprs).toContainEqual([{ vmap: { key: { meta: { key: 'iifname' } }, data: '@in_if' } }]);
    expect(exprs).toContainEqual([
      {
        match: {
          op: '==',
          left: { payload: { protocol: 'ip', field: 'saddr' } },
          right: '@ipset_mgmt',
        },
      },
      {
        match: {
          op: '!=',
          left: { payload: { protocol: 'tcp', field: 'dport' } },
          right: { set: [22, { range: [8000, 8100] }] },
        },
      },
      { counter: null },
      { drop: null },
    ]);
    expect(exprs).toContainEqual([
      { limit: { rate: 1, per: 'second', burst: 5 } },
      { log: { prefix: "fw-in: '_x'", group: 0 } },
    ]);
    expect(exprs).toContainEqual([
      { match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'odd\\*' } },
      { counter: null },
    ]);
    expect(exprs).toContainEqual([{ reject: { type: 'icmpx', expr: 'port-unreachable' } }]);
    expect(exprs).toContainEqual([{ mangle: { key: { meta: { key: 'mark' } }, value: 1 } }]);
    expect(exprs).toContainEqual([{ reject: null }]);
    const map = inetJson.nftables.map((o) => (o as Obj).add as Obj | undefined).find((a) => a?.map)
      ?.map as Obj;
    expect(map.elem).toContainEqual(['vmbr0', { jump: { target: 'in_vmbr0' } }]);
  });

  it('sanitises comments exactly like the text emitter', () => {
    const withComment = rules(inetJson).find((r) => r.comment !== undefined);
    expect(`"${String(withComment?.comment)}"`).toBe(
      emitText(inetScript).match(/comment ("x[^"]*")/)?.[1],
    );
  });

  it('throws NftNameError for a bad interface name', () => {
    const t = inetTable();
    t.maps[0]?.elements.push({ key: { kind: 'str', value: '@evil' }, verdict: { kind: 'accept' } });
    expect(() => emitJson(replaceScript(t))).toThrow(NftNameError);
  });

  it('scope guard refuses flush and foreign tables', () => {
    const script: Script = inetScript;
    expect(() =>
      assertJsonScope({ nftables: [...inetJson.nftables, { flush: { ruleset: null } }] }, script),
    ).toThrow(/scope guard/);
    expect(() =>
      assertJsonScope(
        {
          nftables: [...inetJson.nftables, { delete: { table: { family: 'ip', name: 'filter' } } }],
        },
        script,
      ),
    ).toThrow(/scope guard/);
  });
});

describe.skipIf(!canNetns)('emitJson output in nft (fresh network namespace)', () => {
  it('nft -j -c accepts the inet script', () => {
    expect(nftCheckJson(inetJson)).toMatchObject({ status: 0, stderr: '' });
  });

  it('nft -j -c accepts the bridge script without kernel extras', () => {
    expect(nftCheckJson(emitJson(replaceScript(bridgeTable(false))))).toMatchObject({
      status: 0,
      stderr: '',
    });
  });

  it('bridge ct / reject / ibrname: accepted, or refused only by the kernel (not a JSON parse error)', () => {
    const r = nftCheckJson(emitJson(replaceScript(bridgeTable(true))));
    if (r.status !== 0) {
      expect(r.stderr).toMatch(/Could not process rule/);
      expect(r.stderr).not.toMatch(/Invalid|Unknown|Malformed|syntax error|Parsing/);
    }
  });

  it('loads twice in a row (atomic replace)', () => {
    const r = inNetns('nft -j -f x.json && nft -j -f x.json && nft list tables', {
      'x.json': JSON.stringify(inetJson),
    });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout.trim()).toBe('table inet fwgen_test');
  });

  // Same ruleset from text and from JSON, compared as nft's own JSON listing (which spells out
  // operators and limit bursts). Object comments and auto-merge are left out: nft 1.0.6 JSON
  // input ignores them (see emit-json.ts).
  it.each([
    ['inet', replaceScript(inetTable({ objectComments: false }))],
    [
      'bridge',
      replaceScript({
        ...bridgeTable(false),
        sets: bridgeTable(false).sets.map(({ comment: _c, ...s }) => s),
        chains: bridgeTable(false).chains.map(({ comment: _c, ...c }) => c),
      }),
    ],
  ])('%s: text and JSON give the same ruleset', (_name, script) => {
    const listing = (cmd: string, file: string, content: string): unknown => {
      const r = inNetns(`${cmd} && nft -j list ruleset`, { [file]: content });
      expect(r).toMatchObject({ status: 0, stderr: '' });
      return JSON.parse(r.stdout.replace(/"handle": \d+, /g, '').replace(/, "handle": \d+/g, ''));
    };
    const fromText = listing('nft -f x.nft', 'x.nft', emitText(script));
    const fromJson = listing('nft -j -f x.json', 'x.json', JSON.stringify(emitJson(script)));
    expect(fromJson).toEqual(fromText);
  });
});
