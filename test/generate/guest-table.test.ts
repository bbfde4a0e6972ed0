import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateRuleset } from '../../src/generate/generate-ruleset.js';
import {
  misplacedRejects,
  reachability,
  reachableChains,
} from '../../src/generate/reachability.js';
import type * as nft from '../../src/nft/model.js';
import type * as ir from '../../src/resolve/ir.js';
import * as b from './ir-builders.js';
import { chainNames, chainRules, defineTable, gen, indexOf, tableText } from './text-helpers.js';

const policies: ir.Policy[] = ['ACCEPT', 'DROP', 'REJECT'];
const verdicts: ir.Verdict[] = ['accept', 'drop', 'reject'];

/** Random guests: policies, options, rules with every verdict/direction/NIC, logging. */
const arbConfig: fc.Arbitrary<ir.Config> = fc
  .record({
    guests: fc.array(
      fc.record({
        vmid: fc.integer({ min: 100, max: 130 }),
        policyIn: fc.constantFrom(...policies),
        policyOut: fc.constantFrom(...policies),
        nics: fc.integer({ min: 1, max: 3 }),
        noMac: fc.boolean(),
        flags: fc.record({
          macfilter: fc.boolean(),
          dhcp: fc.boolean(),
          ndp: fc.boolean(),
          radv: fc.boolean(),
          ipfilter: fc.boolean(),
        }),
        rules: fc.array(
          fc.record({
            direction: fc.constantFrom<'in' | 'out'>('in', 'out'),
            verdict: fc.constantFrom(...verdicts),
            nic: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
            log: fc.option(fc.integer({ min: 0, max: 7 }), { nil: null }),
            port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null }),
          }),
          { maxLength: 6 },
        ),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    host: fc.record({
      tcpflags: fc.boolean(),
      nosmurfs: fc.boolean(),
      ndp: fc.boolean(),
      nfConntrackAllowInvalid: fc.boolean(),
    }),
    blacklist: fc.boolean(),
  })
  .map((r) => {
    const seen = new Set<number>();
    const guests = r.guests
      .filter((g) => (seen.has(g.vmid) ? false : (seen.add(g.vmid), true)))
      .map((g) =>
        b.guest(g.vmid, {
          options: b.guestOptions({ policyIn: g.policyIn, policyOut: g.policyOut, ...g.flags }),
          nics: Array.from({ length: g.nics }, (_, i) =>
            b.nic(g.vmid, i, {
              mac: g.noMac && i === 0 ? null : undefined,
              ipfilter: g.flags.ipfilter
                ? b.ipset(`guest-${g.vmid}/ipfilter-net${i}`, ['192.0.2.10'])
                : null,
            }),
          ).map((n) => (n.mac === undefined ? { ...n, mac: b.nic(g.vmid, n.index).mac } : n)),
          rules: g.rules.map((x) =>
            b.rule({
              direction: x.direction,
              verdict: x.verdict,
              nic: x.nic,
              log: x.log,
              proto: x.port === null ? null : b.tcp,
              dport: x.port === null ? null : b.ports(x.port),
            }),
          ),
        }),
      );
    return b.config({
      guests,
      host: { options: b.hostOptions(r.host), rules: [] },
      blacklist: r.blacklist
        ? b.ipset('dc/blacklist', ['198.51.100.0/24', '2001:db8:bad::/48'])
        : null,
    });
  });

function bridgeOf(cfg: ir.Config): nft.Table | undefined {
  return defineTable(generateRuleset(cfg).script, 'bridge');
}

/** Chains reachable from one base chain. */
function reachableFrom(table: nft.Table, hook: nft.Hook): nft.Chain[] {
  const base = table.chains.find((c) => c.base?.hook === hook);
  if (!base) return [];
  const names = reachableChains(table, base.name);
  return table.chains.filter((c) => names.has(c.name));
}

const hasStmt = (c: nft.Chain, pred: (s: nft.Stmt) => boolean): boolean =>
  c.rules.some((r) => r.stmts.some(pred));

describe('bridge table: where REJECT may be (the bug class that matters most)', () => {
  it('the checker finds a reject reachable from postrouting through a vmap', () => {
    const table: nft.Table = {
      family: 'bridge',
      name: 't',
      sets: [],
      maps: [
        {
          name: 'm',
          type: 'ifname',
          elements: [
            { key: { kind: 'str', value: 'tap1i0' }, verdict: { kind: 'jump', chain: 'a' } },
          ],
        },
      ],
      chains: [
        {
          name: 'post',
          base: { type: 'filter', hook: 'postrouting', priority: 0, policy: 'accept' },
          rules: [{ stmts: [{ kind: 'vmap', key: { kind: 'meta', key: 'oifname' }, map: 'm' }] }],
        },
        {
          name: 'a',
          rules: [{ stmts: [{ kind: 'verdict', verdict: { kind: 'goto', chain: 'r' } }] }],
        },
        { name: 'r', rules: [{ stmts: [{ kind: 'reject' }] }] },
      ],
    };
    expect(misplacedRejects(table)).toEqual(['postrouting: r']);
    expect(() => reachability(table)).toThrow(/reject reachable/);
  });

  it('no reject is reachable from postrouting, for random guest configs', () => {
    fc.assert(
      fc.property(arbConfig, (cfg) => {
        const t = bridgeOf(cfg);
        if (!t) return;
        expect(misplacedRejects(t)).toEqual([]);
        for (const c of reachableFrom(t, 'postrouting'))
          expect(hasStmt(c, (s) => s.kind === 'reject')).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('nothing reachable from prerouting accepts: ACCEPT is `return` there', () => {
    fc.assert(
      fc.property(arbConfig, (cfg) => {
        const t = bridgeOf(cfg);
        if (!t) return;
        for (const c of reachableFrom(t, 'prerouting')) {
          expect(hasStmt(c, (s) => s.kind === 'verdict' && s.verdict.kind === 'accept')).toBe(
            false,
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('every rejecting chain is reachable from prerouting (REJECT is actually possible)', () => {
    fc.assert(
      fc.property(arbConfig, (cfg) => {
        const t = bridgeOf(cfg);
        if (!t) return;
        const pre = new Set(reachableFrom(t, 'prerouting').map((c) => c.name));
        for (const c of t.chains)
          if (hasStmt(c, (s) => s.kind === 'reject')) expect(pre.has(c.name)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('bridge table: chains of one NIC', () => {
  const cfg = b.config({
    guests: [
      b.guest(100, {
        options: b.guestOptions({
          policyIn: 'DROP',
          policyOut: 'DROP',
          logLevelIn: 6,
          logLevelOut: 5,
          ipfilter: true,
        }),
        nics: [
          b.nic(100, 0, {
            ipfilter: b.ipset('guest-100/ipfilter-net0', [
              '192.0.2.100',
              'fe80::be24:11ff:fe00:6400',
            ]),
          }),
          b.nic(100, 1),
        ],
        rules: [
          b.rule({ direction: 'in', verdict: 'accept', proto: b.tcp, dport: b.ports(22), log: 6 }),
          b.rule({ direction: 'in', verdict: 'drop', proto: b.tcp, dport: b.ports(23) }),
          b.rule({
            direction: 'in',
            verdict: 'reject',
            proto: b.tcp,
            dport: b.ports(24),
            log: 4,
            nic: 0,
          }),
          b.rule({ direction: 'in', verdict: 'accept', proto: b.tcp, dport: b.ports(25) }),
          b.rule({
            direction: 'out',
            verdict: 'accept',
            proto: b.tcp,
            dport: b.ports(443),
            log: 6,
          }),
          b.rule({ direction: 'out', verdict: 'reject', proto: b.udp, dport: b.ports(53), nic: 1 }),
        ],
      }),
    ],
  });
  const r = gen(cfg);

  it('OUT (prerouting): connmark, MAC filter, ARP, ct, DHCP before ipfilter, RA drop, ipfilter, NDP, rules as return, policy', () => {
    const out = chainRules(r.text, 'bridge', 'g100_net0_out');
    expect(out).toEqual([
      'ct mark set 100',
      'ether saddr != bc:24:11:00:64:00 drop',
      'meta protocol arp arp saddr ether != bc:24:11:00:64:00 drop',
      'meta protocol arp iifname . arp saddr ip != @ipfilter_v4 drop',
      'meta protocol arp return',
      'meta protocol != ip meta protocol != ip6 return',
      'ct state established,related return',
      'ct state invalid drop',
      'meta protocol ip udp sport 68 udp dport 67 return',
      'meta protocol ip6 udp sport 546 udp dport 547 return',
      'icmpv6 type nd-router-advert drop',
      'iifname . ip saddr != @ipfilter_v4 drop',
      'iifname . ip6 saddr != @ipfilter_v6 drop',
      'icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } return',
      'tcp dport 443 limit rate 1/second burst 5 packets ' +
        'log prefix ":100:6:tap100i0-OUT: ACCEPT: " group 0 comment "100.fw:7"',
      'tcp dport 443 return comment "100.fw:7"',
      'jump noise_addr',
      'icmp type destination-unreachable icmp code 4 return',
      'icmp type time-exceeded return',
      'icmpv6 type { destination-unreachable, packet-too-big, time-exceeded } return',
      'jump noise_drop',
      'limit rate 1/second burst 5 packets log prefix ":100:5:tap100i0-OUT: policy DROP: " group 0',
      'drop',
    ]);
  });

  it("rules with -i netN only land in that NIC's chains", () => {
    expect(chainRules(r.text, 'bridge', 'g100_net1_out')).toContain(
      'udp dport 53 jump do_reject comment "100.fw:7"',
    );
    expect(chainRules(r.text, 'bridge', 'g100_net0_out').join('\n')).not.toContain('udp dport 53');
  });

  it('IN (postrouting): connmark, ARP, ND, ct, DHCP, rules (REJECT as DROP), each with its log, policy', () => {
    const inn = chainRules(r.text, 'bridge', 'g100_net0_in');
    expect(inn.slice(0, 5)).toEqual([
      'ct mark set 100',
      'meta protocol arp accept',
      'icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept',
      'ct state established,related accept',
      'ct state invalid drop',
    ]);
    expect(inn).toContain(
      'tcp dport 22 limit rate 1/second burst 5 packets ' +
        'log prefix ":100:6:tap100i0-IN: ACCEPT: " group 0 comment "100.fw:7"',
    );
    expect(inn).toContain('tcp dport 22 accept comment "100.fw:7"');
    expect(inn).toContain('tcp dport 23 drop comment "100.fw:7"');
    expect(inn).toContain(
      'tcp dport 24 limit rate 1/second burst 5 packets ' +
        'log prefix ":100:4:tap100i0-IN: REJECT: " group 0 comment "100.fw:7"',
    );
    expect(inn).toContain('tcp dport 24 drop comment "100.fw:7"');
    expect(indexOf(inn, 'udp sport 67 udp dport 68 accept')).toBeLessThan(
      indexOf(inn, 'tcp dport 22'),
    );
    expect(inn.slice(-2)).toEqual([
      'limit rate 1/second burst 5 packets log prefix ":100:6:tap100i0-IN: policy DROP: " group 0',
      'drop',
    ]);
  });

  it('IN (prerouting copy): judged mark, guard, built-ins as return, ACCEPT/DROP return, REJECT rejects, nothing after the last REJECT', () => {
    const pre = chainRules(r.text, 'bridge', 'g100_net0_in_pre');
    // first, before any return: a frame that reaches this chain is judged, whatever follows
    expect(pre[0]).toBe(
      'meta mark set meta mark | 268435456 comment "judged: later bridges skip the MAC dispatch"',
    );
    expect(pre[1]).toBe('iifname "tap100i0" return');
    expect(pre).toContain('meta protocol arp return');
    expect(pre).toContain('ct state invalid return');
    expect(pre.slice(-4)).toEqual([
      'tcp dport 22 return comment "100.fw:7"',
      'tcp dport 23 return comment "100.fw:7"',
      'tcp dport 24 limit rate 1/second burst 5 packets ' +
        'log prefix ":100:4:tap100i0-IN: REJECT: " group 0 comment "100.fw:7"',
      'tcp dport 24 jump do_reject comment "100.fw:7"',
    ]);
    expect(pre.join('\n')).not.toContain('tcp dport 25');
    expect(pre.join('\n')).not.toMatch(/\baccept\b/);
  });

  it('dispatch: iifname / oifname / ether daddr vmaps; in_pre only where a REJECT exists', () => {
    // 268435456 = 0x10000000, the bit every *_in_pre sets first: one MAC dispatch per frame
    // even when it crosses vmbr0 and fwbr<vmid>i<n>
    expect(chainRules(r.text, 'bridge', 'prerouting')).toEqual([
      'iifname vmap @out_by_port',
      'meta mark & 268435456 == 0 ether daddr vmap @in_by_mac',
    ]);
    expect(r.text.match(/meta mark set meta mark \| 268435456/g)).toHaveLength(1);
    expect(r.text).toContain('elements = { bc:24:11:00:64:00 : jump g100_net0_in_pre }');
    expect(chainNames(r.text, 'bridge')).not.toContain('g100_net1_in_pre');
    const post = chainRules(r.text, 'bridge', 'postrouting');
    expect(post.at(-1)).toBe('oifname vmap @in_by_port');
    expect(post.slice(0, 3).every((l) => l.startsWith('ct state invalid '))).toBe(true);
  });

  it('no warnings for a clean config', () => {
    expect(r.warnings).toEqual([]);
  });
});

describe('bridge table: options and warnings', () => {
  it('policy REJECT in: in_pre ends with noise (SMB rejected) + log + reject; postrouting copy drops', () => {
    const { text } = gen(
      b.config({
        guests: [b.guest(100, { options: b.guestOptions({ policyIn: 'REJECT', logLevelIn: 3 }) })],
      }),
    );
    expect(chainRules(text, 'bridge', 'g100_net0_in_pre').slice(-3)).toEqual([
      'jump noise_reject',
      'limit rate 1/second burst 5 packets log prefix ":100:3:tap100i0-IN: policy REJECT: " group 0',
      'jump do_reject',
    ]);
    expect(chainRules(text, 'bridge', 'g100_net0_in').slice(-3)).toEqual([
      'jump noise_drop',
      'limit rate 1/second burst 5 packets log prefix ":100:3:tap100i0-IN: policy REJECT: " group 0',
      'drop',
    ]);
  });

  it('no REJECT anywhere: no in_pre, no in_by_mac, no reject chain, no reply pass-through', () => {
    const { text } = gen(b.config({ guests: [b.guest(100)] }));
    expect(chainNames(text, 'bridge')).toEqual([
      'prerouting',
      'postrouting',
      'noise_addr',
      'noise_drop',
      'smurflog',
      'g100_net0_out',
      'g100_net0_in',
    ]);
    expect(text).not.toContain('in_by_mac');
    expect(chainRules(text, 'bridge', 'postrouting')).toEqual(['oifname vmap @in_by_port']);
  });

  it('NIC without MAC or with a shared MAC: inbound REJECT becomes DROP, with a warning', () => {
    const cfg = b.config({
      guests: [
        b.guest(100, {
          options: b.guestOptions({ policyIn: 'REJECT' }),
          nics: [b.nic(100, 0, { mac: null })],
        }),
        b.guest(101, {
          options: b.guestOptions({ policyIn: 'REJECT' }),
          nics: [b.nic(101, 0, { mac: 'bc:24:11:00:00:01' })],
        }),
        b.guest(102, {
          options: b.guestOptions({ policyIn: 'REJECT' }),
          nics: [b.nic(102, 0, { mac: 'bc:24:11:00:00:01' })],
        }),
      ],
    });
    const r = gen(cfg);
    expect(r.warnings.map((w) => [w.code, w.vmid])).toEqual([
      ['no-mac-filter', 100],
      ['inbound-reject-as-drop', 100],
      ['inbound-reject-as-drop', 101],
      ['inbound-reject-as-drop', 102],
    ]);
    expect(chainNames(r.text, 'bridge').filter((c) => c.endsWith('_in_pre'))).toEqual([]);
  });

  it('dhcp/ndp off, radv on, macfilter off, allow invalid', () => {
    const { text } = gen(
      b.config({
        host: {
          options: b.hostOptions({ nfConntrackAllowInvalid: true, nosmurfs: false }),
          rules: [],
        },
        guests: [
          b.guest(100, {
            options: b.guestOptions({ dhcp: false, ndp: false, radv: true, macfilter: false }),
          }),
        ],
      }),
    );
    expect(chainRules(text, 'bridge', 'g100_net0_out')).toEqual([
      'ct mark set 100',
      'meta protocol arp return',
      'meta protocol != ip meta protocol != ip6 return',
      'ct state established,related return',
      'return',
    ]);
    expect(chainRules(text, 'bridge', 'g100_net0_in').slice(0, 3)).toEqual([
      'ct mark set 100',
      'meta protocol arp accept',
      'ct state established,related accept',
    ]);
  });

  it('radv on with ndp: RA allowed out', () => {
    const { text } = gen(
      b.config({ guests: [b.guest(100, { options: b.guestOptions({ radv: true }) })] }),
    );
    const out = chainRules(text, 'bridge', 'g100_net0_out');
    expect(out).not.toContain('icmpv6 type nd-router-advert drop');
    expect(out).toContain(
      'icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } return',
    );
  });

  it('host protections reach guest inbound: blacklist (host log_level_out), smurfs by source, tcpflags', () => {
    const { text } = gen(
      b.config({
        blacklist: b.ipset('dc/blacklist', ['198.51.100.0/24']),
        host: { options: b.hostOptions({ tcpflags: true, logLevelOut: 2 }), rules: [] },
        guests: [b.guest(100)],
      }),
    );
    const inn = chainRules(text, 'bridge', 'g100_net0_in');
    expect(inn).toContain('ip saddr @v4_dc/blacklist jump blacklist');
    expect(inn).toContain(
      'meta protocol ip ct state new,invalid ip saddr { 224.0.0.0/4, 255.255.255.255 } jump smurflog',
    );
    expect(inn).toContain('meta l4proto tcp jump tcpflags');
    expect(chainRules(text, 'bridge', 'blacklist')[0]).toContain('":0:2:PVEFW-blacklist: DROP: "');
    expect(tableText(text, 'bridge')).not.toContain('fib ');
  });

  it('ipfilter with an empty IPv4 set: all IPv4 and ARP dropped (empty set emitted)', () => {
    const { text } = gen(
      b.config({
        guests: [
          b.guest(100, {
            nics: [b.nic(100, 0, { ipfilter: b.ipset('guest-100/ipfilter-net0', ['fe80::1']) })],
          }),
        ],
      }),
    );
    expect(text).toMatch(
      /set ipfilter_v4 \{\n\s+type ifname \. ipv4_addr\n\s+flags interval\n\s+comment "[^"]*"\n\s+\}/,
    );
    expect(text).toContain('elements = { "tap100i0" . fe80::1 }');
    expect(chainRules(text, 'bridge', 'g100_net0_out')).toContain(
      'iifname . ip saddr != @ipfilter_v4 drop',
    );
  });

  it('guest rules from a group log with vmid 0 and the group chain name', () => {
    const { text } = gen(
      b.config({
        guests: [b.guest(100, { rules: [b.rule({ direction: 'out', group: 'g1', log: 6 })] })],
      }),
    );
    expect(text).toContain('log prefix ":0:6:GROUP-g1-OUT: ACCEPT: " group 0');
  });
});
