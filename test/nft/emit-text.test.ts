import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertTextScope, emitText } from '../../src/nft/emit-text.js';
import type { Table } from '../../src/nft/model.js';
import { NftIdentifierError, NftNameError } from '../../src/nft/quote.js';
import { bridgeTable, inetTable, replaceScript } from './fixtures.js';
import { canNetns, inNetns, nftCheckText } from './netns.js';

const inetText = emitText(replaceScript(inetTable()));

function withRule(
  table: Table,
  chain: string,
  rule: Table['chains'][number]['rules'][number],
): Table {
  return {
    ...table,
    chains: table.chains.map((c) => (c.name === chain ? { ...c, rules: [...c.rules, rule] } : c)),
  };
}

describe('emitText', () => {
  it('writes the inet table', () => {
    expect(inetText).toMatchInlineSnapshot(`
      "add table inet fwgen_test
      delete table inet fwgen_test
      table inet fwgen_test {
        comment "managed by fwgen"

        set ipset_mgmt {
          type ipv4_addr
          flags interval
          auto-merge
          comment "management 'nets'"
          elements = { 192.0.2.0/24, 198.51.100.10-198.51.100.20, 203.0.113.7 }
        }

        set ipset_big {
          type ipv6_addr
          elements = {
            2001:db8::1, 2001:db8::2, 2001:db8::3, 2001:db8::4, 2001:db8::5, 2001:db8::6, 2001:db8::7, 2001:db8::8,
            2001:db8::9, 2001:db8::10
          }
        }

        map in_if {
          type ifname : verdict
          elements = {
            "lo" : accept, "vmbr0" : jump in_vmbr0, "tap100i0" : goto g100_in, "tap101i0" : drop,
            "veth\\*" : return
          }
        }

        chain input {
          comment "host input"
          type filter hook input priority 0; policy drop;
          iifname vmap @in_if
          ct state established,related accept
          ct state invalid drop
          tcp flags & (fin | syn) == fin | syn drop
          tcp flags syn counter
          meta l4proto { tcp, udp } th dport 53 accept
          ip saddr @ipset_mgmt tcp dport != { 22, 8000-8100 } counter drop comment "x'; add rule inet t c tcp dport 23 accept comment 'y"
          fib saddr type broadcast drop
          fib daddr . iif type != local drop
          limit rate 1/second burst 5 packets log prefix "fw-in: '_x'" group 0
          limit rate 10/minute burst 5 packets log prefix "fw-in: " level info
          iifname "tap*" counter
          iifname "odd\\*" counter
          iifname . ip saddr { "tap100i0" . 192.0.2.100 } accept
          ip6 saddr @ipset_big accept
          reject with icmpx type port-unreachable
        }

        chain in_vmbr0 {
          meta pkttype broadcast drop
          meta nfproto ipv4 ct mark set 100
          meta mark set 1
          tcp dport 113 reject with tcp reset
          icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
          return
        }

        chain g100_in {
          ip saddr 10.0.0.0/8 reject with icmp type host-prohibited
          ip6 saddr fe80::/10 reject with icmpv6 type admin-prohibited
          reject
        }
      }
      "
    `);
  });

  it('writes the bridge table', () => {
    expect(emitText(replaceScript(bridgeTable(true)))).toMatchInlineSnapshot(`
      "add table bridge fwgen_br
      delete table bridge fwgen_br
      table bridge fwgen_br {
        set mac_ok {
          type ifname . ether_addr
          comment "anti-spoof"
          elements = { "tap100i0" . bc:24:11:00:01:00 }
        }

        map out_by_port {
          type ifname : verdict
          elements = { "tap100i0" : jump g100_out }
        }

        map in_by_mac {
          type ether_addr : verdict
          elements = { bc:24:11:00:01:00 : jump g100_in_pre }
        }

        chain prerouting {
          type filter hook prerouting priority -150; policy accept;
          iifname vmap @out_by_port
          ether daddr vmap @in_by_mac
        }

        chain g100_out {
          iifname . ether saddr != @mac_ok counter drop
          ether type arp arp saddr ip 192.0.2.100 accept
          ether type arp drop
        }

        chain g100_in_pre {
          comment "guest 100 inbound"
          tcp dport 22 accept
          meta ibrname "vmbr0" ct state established,related accept
          reject with icmpx type admin-prohibited
          return
        }
      }
      "
    `);
  });

  it('wraps long element lists', () => {
    const table: Table = {
      family: 'inet',
      name: 'big',
      sets: [
        {
          name: 's',
          type: 'ipv4_addr',
          interval: false,
          elements: Array.from({ length: 20000 }, (_, i) => ({
            kind: 'sym',
            value: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`,
          })),
        },
      ],
      maps: [],
      chains: [],
    };
    const text = emitText({ commands: [{ kind: 'define-table', table }] });
    const lines = text.split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(200);
    expect(lines.length).toBeGreaterThan(2500);
  });

  it('omits elements of an empty set and writes netdev devices quoted', () => {
    const table: Table = {
      family: 'netdev',
      name: 'nd',
      sets: [{ name: 'empty', type: 'ipv4_addr', interval: true, elements: [] }],
      maps: [],
      chains: [
        {
          name: 'ingress',
          base: {
            type: 'filter',
            hook: 'ingress',
            priority: -500,
            device: 'eth0',
            policy: 'accept',
          },
          rules: [],
        },
      ],
    };
    expect(emitText({ commands: [{ kind: 'define-table', table }] })).toBe(
      [
        'table netdev nd {',
        '  set empty {',
        '    type ipv4_addr',
        '    flags interval',
        '  }',
        '',
        '  chain ingress {',
        '    type filter hook ingress device "eth0" priority -500; policy accept;',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('throws on generator bugs', () => {
    const t = inetTable();
    const bad = (table: Table) => () => emitText(replaceScript(table));
    expect(bad({ ...t, name: 'fwd' })).toThrow(NftIdentifierError);
    expect(bad({ ...t, name: '1x' })).toThrow(NftIdentifierError);
    expect(
      bad(
        withRule(t, 'input', {
          stmts: [{ kind: 'verdict', verdict: { kind: 'jump', chain: 'missing' } }],
        }),
      ),
    ).toThrow(/missing/);
    expect(
      bad(
        withRule(t, 'input', {
          stmts: [{ kind: 'vmap', key: { kind: 'meta', key: 'iifname' }, map: 'ipset_mgmt' }],
        }),
      ),
    ).toThrow(NftIdentifierError);
    expect(
      bad(
        withRule(t, 'input', {
          stmts: [
            {
              kind: 'match',
              left: { kind: 'payload', proto: 'ip', field: 'saddr' },
              op: '==',
              right: { kind: 'sym', value: '1.2.3.4 accept' },
            },
          ],
        }),
      ),
    ).toThrow(NftIdentifierError);
    expect(
      bad(
        withRule(t, 'input', {
          stmts: [
            {
              kind: 'match',
              left: { kind: 'payload', proto: 'ip', field: 'saddr' },
              op: '==',
              right: { kind: 'set-ref', name: 'nope' },
            },
          ],
        }),
      ),
    ).toThrow(NftIdentifierError);
    expect(
      bad(withRule(t, 'input', { stmts: [{ kind: 'log', group: 1, level: 'info' }] })),
    ).toThrow(/mutually exclusive/);
    expect(bad(withRule(t, 'input', { stmts: [] }))).toThrow(NftIdentifierError);
    expect(bad(withRule(t, 'input', { stmts: [{ kind: 'ct-mark-set', value: -1 }] }))).toThrow(
      NftIdentifierError,
    );
  });

  it('throws NftNameError for an interface name it cannot write', () => {
    const t = withRule(inetTable(), 'input', {
      stmts: [
        {
          kind: 'match',
          left: { kind: 'meta', key: 'iifname' },
          op: '==',
          right: { kind: 'str', value: 'x" accept; "' },
        },
      ],
    });
    expect(() => emitText(replaceScript(t))).toThrow(NftNameError);
  });

  it('writes large scripts in whole-line chunks without losing or splitting a line', () => {
    // 10,000 rules: well past one 4,096-line chunk, so lines cross several chunk boundaries.
    const rules = Array.from(
      { length: 10_000 },
      (_, i) =>
        ({
          stmts: [
            {
              kind: 'match',
              left: { kind: 'payload', proto: 'tcp', field: 'dport' },
              op: '==',
              right: { kind: 'num', value: i },
            },
            { kind: 'verdict', verdict: { kind: 'accept' } },
          ],
          comment: `rule ${i}`,
        }) as Table['chains'][number]['rules'][number],
    );
    const table: Table = {
      family: 'inet',
      name: 'big',
      sets: [],
      maps: [],
      chains: [{ name: 'c', rules }],
    };
    const lines = emitText({ commands: [{ kind: 'define-table', table }] }).split('\n');
    expect(lines.slice(0, 2)).toEqual(['table inet big {', '  chain c {']);
    expect(lines.slice(2, -3)).toEqual(
      rules.map((_, i) => `    tcp dport ${i} accept comment "rule ${i}"`),
    );
    expect(lines.slice(-3)).toEqual(['  }', '}', '']);
  });

  it('scope guard: refuses flush/ruleset and foreign tables, ignores quoted text', () => {
    const script = replaceScript(inetTable());
    expect(() => assertTextScope(inetText + 'flush ruleset\n', script)).toThrow(/scope guard/);
    expect(() => assertTextScope(inetText + 'delete table ip filter\n', script)).toThrow(
      /scope guard/,
    );
    expect(() =>
      assertTextScope(inetText.replace('table inet fwgen_test {', 'table inet other {'), script),
    ).toThrow(/scope guard/);
    const t = withRule(inetTable(), 'input', {
      stmts: [{ kind: 'counter' }],
      comment: 'never flush ruleset here',
    });
    expect(emitText(replaceScript(t))).toContain('comment "never flush ruleset here"');
  });
});

describe.skipIf(!canNetns)('emitText output in nft (fresh network namespace)', () => {
  it('nft -c accepts the inet script', () => {
    expect(nftCheckText(inetText)).toMatchObject({ status: 0, stderr: '' });
  });

  it('nft -c accepts the bridge script without kernel extras', () => {
    expect(nftCheckText(emitText(replaceScript(bridgeTable(false))))).toMatchObject({
      status: 0,
      stderr: '',
    });
  });

  it('bridge ct / reject / ibrname: accepted, or refused only by the kernel (not a syntax error)', () => {
    const r = nftCheckText(emitText(replaceScript(bridgeTable(true))));
    if (r.status !== 0) {
      expect(r.stderr).toMatch(/Could not process rule/);
      expect(r.stderr).not.toMatch(/syntax error/);
    }
  });

  it('add + delete + define loads twice in a row (atomic replace, table absent or present)', () => {
    const r = inNetns('nft -f x.nft && nft -f x.nft && nft list tables', { 'x.nft': inetText });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('table inet fwgen_test');
  });

  it('replacing leaves foreign tables alone and drops old chains', () => {
    // One-line `{ chain stale { } }` is a syntax error in 1.0.6 (`}` after `}` needs a newline or `;`).
    const old =
      'table inet fwgen_test {\n  chain stale {\n  }\n}\ntable ip filter {\n  chain f {\n  }\n}\n';
    const r = inNetns(
      'nft -f old.nft && nft -f x.nft && nft list tables && nft list table inet fwgen_test',
      { 'old.nft': old, 'x.nft': inetText },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('table ip filter');
    expect(r.stdout).not.toContain('stale');
  });

  it('property: any rule comment and log prefix still gives a script nft accepts', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        (comment, prefix) => {
          const text = emitText(
            replaceScript(inetTable({ ruleComment: comment, logPrefix: prefix })),
          );
          const r = nftCheckText(text);
          expect(r.stderr).toBe('');
          expect(r.status).toBe(0);
        },
      ),
      { numRuns: 50 },
    );
  });
});
