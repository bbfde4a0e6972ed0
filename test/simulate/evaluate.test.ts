// evaluatePath on hand-made tables: the nft semantics the simulator must get right.
import { describe, expect, it } from 'vitest';
import type * as nft from '../../src/nft/model.js';
import { evaluatePath, fibType } from '../../src/simulate/evaluate.js';
import type { Hop, Packet } from '../../src/simulate/packet.js';

const sym = (value: string): nft.Value => ({ kind: 'sym', value });
const num = (value: number): nft.Value => ({ kind: 'num', value });
const str = (value: string): nft.Value => ({ kind: 'str', value });
const payload = (proto: nft.PayloadProto, field: string): nft.Expr => ({
  kind: 'payload',
  proto,
  field,
});
const meta = (key: Extract<nft.Expr, { kind: 'meta' }>['key']): nft.Expr => ({ kind: 'meta', key });
const m = (left: nft.Expr, right: nft.Value, op: '==' | '!=' = '=='): nft.Stmt => ({
  kind: 'match',
  left,
  op,
  right,
});
const v = (verdict: nft.Verdict): nft.Stmt => ({ kind: 'verdict', verdict });
const ACCEPT = v({ kind: 'accept' });
const DROP = v({ kind: 'drop' });
const RETURN = v({ kind: 'return' });
const rule = (...stmts: nft.Stmt[]): nft.Rule => ({ stmts });
const base = (
  name: string,
  hook: nft.Hook,
  rules: nft.Rule[],
  policy: 'accept' | 'drop' = 'accept',
  priority = 0,
): nft.Chain => ({ name, base: { type: 'filter', hook, priority, policy }, rules });
const table = (
  family: nft.Family,
  chains: nft.Chain[],
  extra: Partial<nft.Table> = {},
): nft.Table => ({
  family,
  name: 't',
  sets: [],
  maps: [],
  chains,
  ...extra,
});

const PKT: Packet = {
  family: 4,
  proto: 6,
  saddr: '198.51.100.7',
  daddr: '192.0.2.1',
  sport: 40000,
  dport: 22,
  icmpType: null,
  icmpCode: null,
  smac: '02:00:00:00:02:00',
  dmac: '02:00:00:00:00:01',
  ct: 'new',
};
const INPUT: Hop = {
  family: 'inet',
  hook: 'input',
  iif: 'vmbr0',
  oif: null,
  ibr: null,
  obr: null,
  pkttype: 'host',
  note: '',
};
const PRE: Hop = { ...INPUT, family: 'bridge', hook: 'prerouting', iif: 'tap100i0', ibr: 'vmbr0' };
const HOST = { addrs: [{ family: 4 as const, addr: '192.0.2.1', len: 24 }] };
const run = (tables: nft.Table[], pkt: Partial<Packet> = {}, hops: Hop[] = [INPUT]) =>
  evaluatePath(tables, hops, { ...PKT, ...pkt }, HOST);

describe('evaluatePath', () => {
  it('falls through to the policy', () => {
    expect(run([table('inet', [base('input', 'input', [], 'drop')])]).action).toBe('drop');
    expect(run([table('inet', [base('input', 'input', [])])]).action).toBe('accept');
  });

  it('jump returns to the caller; goto returns to the caller of the caller', () => {
    const sub = { name: 'sub', rules: [rule(m(payload('tcp', 'dport'), num(23)), DROP)] };
    const viaJump = table('inet', [
      base('input', 'input', [rule(v({ kind: 'jump', chain: 'sub' })), rule(ACCEPT)], 'drop'),
      sub,
    ]);
    expect(run([viaJump]).action).toBe('accept');
    expect(run([viaJump], { dport: 23 }).action).toBe('drop');
    const mid = { name: 'mid', rules: [rule(v({ kind: 'goto', chain: 'sub' })), rule(ACCEPT)] };
    const viaGoto = table('inet', [
      base('input', 'input', [rule(v({ kind: 'jump', chain: 'mid' })), rule(DROP)]),
      mid,
      sub,
    ]);
    // goto sub ends mid: its `accept` is never reached, the base chain's drop is
    expect(run([viaGoto]).action).toBe('drop');
  });

  it('a payload match on another protocol never matches, not even with !=', () => {
    const t = table('inet', [
      base('input', 'input', [rule(m(payload('udp', 'dport'), num(53), '!='), DROP)]),
    ]);
    expect(run([t]).action).toBe('accept');
    expect(run([t], { proto: 17, dport: 54 }).action).toBe('drop');
    const ip6 = table('inet', [
      base('input', 'input', [rule(m(payload('ip6', 'saddr'), sym('::1'), '!='), DROP)]),
    ]);
    expect(run([ip6]).action).toBe('accept');
  });

  it('reads named interval sets and concatenations with intervals', () => {
    const sets: nft.NamedSet[] = [
      {
        name: 'ipf',
        type: ['ifname', 'ipv4_addr'],
        interval: true,
        elements: [
          {
            kind: 'concat',
            values: [str('tap100i0'), { kind: 'prefix', addr: '192.0.2.0', len: 25 }],
          },
        ],
      },
    ];
    const key: nft.Expr = { kind: 'concat', exprs: [meta('iifname'), payload('ip', 'saddr')] };
    const t = table(
      'bridge',
      [base('p', 'prerouting', [rule(m(key, { kind: 'set-ref', name: 'ipf' }, '!='), DROP)])],
      {
        sets,
      },
    );
    expect(run([t], { saddr: '192.0.2.100' }, [PRE]).action).toBe('accept');
    expect(run([t], { saddr: '192.0.2.200' }, [PRE]).action).toBe('drop');
    expect(run([t], { saddr: '192.0.2.100' }, [{ ...PRE, iif: 'tap101i0' }]).action).toBe('drop');
  });

  it('verdict maps jump by key; no element: the next rule', () => {
    const maps: nft.NamedMap[] = [
      {
        name: 'by_port',
        type: 'ifname',
        elements: [{ key: str('tap100i0'), verdict: { kind: 'jump', chain: 'g100' } }],
      },
    ];
    const g100 = {
      name: 'g100',
      rules: [rule(m(payload('tcp', 'dport'), num(22)), RETURN), rule(DROP)],
    };
    const t = table(
      'bridge',
      [
        base('p', 'prerouting', [rule({ kind: 'vmap', key: meta('iifname'), map: 'by_port' })]),
        g100,
      ],
      { maps },
    );
    expect(run([t], {}, [PRE]).action).toBe('accept');
    expect(run([t], { dport: 80 }, [PRE]).action).toBe('drop');
    expect(run([t], { dport: 80 }, [{ ...PRE, iif: 'eth0' }]).action).toBe('accept');
  });

  it('ct state is a bit mask; tcp flags follow the state', () => {
    const ct: nft.Expr = { kind: 'ct', key: 'state' };
    const t = table('inet', [
      base(
        'input',
        'input',
        [
          rule(m(ct, { kind: 'flags', values: ['established', 'related'], sep: ',' }), ACCEPT),
          rule(
            m(
              {
                kind: 'and',
                expr: payload('tcp', 'flags'),
                mask: { kind: 'flags', values: ['fin', 'syn', 'rst', 'ack'], sep: '|' },
              },
              sym('syn'),
              '!=',
            ),
            ACCEPT,
          ),
        ],
        'drop',
      ),
    ]);
    expect(run([t]).action).toBe('drop');
    expect(run([t], { ct: 'established' }).action).toBe('accept');
  });

  it('runs base chains of a hook by priority; accept passes on, drop ends', () => {
    const a = table('inet', [base('late', 'input', [rule(DROP)], 'accept', 10)]);
    const b = {
      ...table('inet', [base('early', 'input', [rule(ACCEPT)], 'accept', -10)]),
      name: 'u',
    };
    const r = run([a, b]);
    expect(r.action).toBe('drop');
    expect(r.hops[0]!.chains.map((c) => c.chain)).toEqual(['early', 'late']);
  });

  it('limits are within their rate; marks are kept across hops', () => {
    const limit: nft.Stmt = { kind: 'limit', rate: 1, per: 'second' };
    const t = table('bridge', [
      base('p', 'prerouting', [
        rule({ ...limit, over: true }, DROP),
        rule(m({ kind: 'and', expr: meta('mark'), mask: num(16) }, num(16)), DROP),
        rule({ kind: 'meta-mark-set', value: 16, or: true }),
      ]),
    ]);
    expect(run([t], {}, [PRE]).action).toBe('accept');
    expect(run([t], {}, [PRE, PRE]).action).toBe('drop');
  });

  it('`meta mark set meta mark & N` clears bits and keeps the others', () => {
    // The bridged mark's clearing (vnet-chains.ts) must not set the judged bit (16 here).
    const t = table('bridge', [
      base('p', 'prerouting', [
        rule({ kind: 'meta-mark-set', value: 32, or: true }),
        rule({ kind: 'meta-mark-set', value: 0xffffffff - 32, and: true }),
        rule(m({ kind: 'and', expr: meta('mark'), mask: num(48) }, num(0)), DROP),
      ]),
    ]);
    expect(run([t], {}, [PRE]).action).toBe('drop');
  });

  it('names the config line of the rule that decided, through generated chains', () => {
    const origin = { file: 'firewall/100.fw', line: 8, text: 'IN REJECT -p tcp -dport 22' };
    const t = table('inet', [
      base('input', 'input', [
        { stmts: [m(payload('tcp', 'dport'), num(22)), v({ kind: 'jump', chain: 'rej' })], origin },
      ]),
      { name: 'rej', rules: [rule({ kind: 'reject', with: { kind: 'tcp-reset' } })] },
    ]);
    const r = run([t]);
    expect(r.action).toBe('reject');
    expect(r.decidedBy).toEqual(origin);
    expect(r.decisive?.chain).toBe('rej');
  });
});

describe('fibType', () => {
  it('knows local, directed and limited broadcast, multicast', () => {
    expect(fibType(HOST, 4, '192.0.2.1')).toBe('local');
    expect(fibType(HOST, 4, '192.0.2.255')).toBe('broadcast');
    expect(fibType(HOST, 4, '255.255.255.255')).toBe('broadcast');
    expect(fibType(HOST, 4, '224.0.0.1')).toBe('multicast');
    expect(fibType(HOST, 4, '198.51.100.1')).toBe('unicast');
  });
});
