import { describe, expect, it } from 'vitest';
import * as b from './ir-builders.js';
import { chainNames, chainRules, gen, indexOf } from './text-helpers.js';

describe('host table: input order (PF d.3)', () => {
  const cfg = b.config({
    blacklist: b.ipset('dc/blacklist', ['198.51.100.0/24']),
    host: {
      options: b.hostOptions({ tcpflags: true, logLevelIn: 6 }),
      rules: [
        b.rule({
          proto: b.tcp,
          dport: b.ports(80),
          origin: b.span('/etc/pve/nodes/n1/host.fw', 4),
          comment: 'web',
        }),
        b.rule({
          direction: 'out',
          verdict: 'drop',
          proto: b.udp,
          dport: b.ports(53),
          iface: 'eth0',
        }),
        b.rule({
          verdict: 'drop',
          proto: b.tcp,
          dport: b.ports(8006),
          iface: 'vmbr0',
          origin: b.span('/etc/pve/firewall/cluster.fw', 9),
        }),
      ],
    },
    corosync: {
      multicast: true,
      links: [{ local: '192.0.2.1', peers: ['192.0.2.3', '192.0.2.2'], family: 4 }],
    },
  });
  const { text } = gen(cfg);
  const input = chainRules(text, 'inet', 'input');

  it('puts the fixed parts, rules, management, corosync and policy in PF order', () => {
    const order = [
      'iifname "lo" accept',
      'ct state invalid drop',
      'ct state established,related accept',
      'icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept',
      'ip saddr @v4_dc/blacklist jump blacklist',
      'meta nfproto ipv4 ct state new,invalid jump smurfs',
      'meta l4proto tcp jump tcpflags',
      'meta l4proto igmp accept',
      'tcp dport 80 accept comment "host.fw:4 web"',
      'iifname "vmbr0" tcp dport 8006 drop comment "cluster.fw:9"',
      'ip saddr @v4_dc/management tcp dport { 22, 3128, 5900-5999, 8006, 60000-60050 } accept',
      'fib daddr type multicast udp dport 5404-5405 accept',
      'ip saddr { 192.0.2.3, 192.0.2.2 } ip daddr 192.0.2.1 udp dport 5404-5405 accept',
      'jump noise_addr',
      'jump noise_drop',
      'log prefix ":0:6:PVEFW-HOST-IN: policy DROP: " group 0',
    ];
    const idx = order.map((o) => indexOf(input, o));
    expect(idx.every((i) => i >= 0)).toBe(true);
    expect([...idx].sort((x, y) => x - y)).toEqual(idx);
    expect(input.at(-1)).toBe('drop');
  });

  it('out rules go to output with oifname; in rules never do', () => {
    const output = chainRules(text, 'inet', 'output');
    expect(output).toContain('oifname "eth0" udp dport 53 drop comment "100.fw:7"');
    expect(output.join('\n')).not.toContain('tcp dport 80 ');
    expect(input.join('\n')).not.toContain('udp dport 53 drop comment');
  });

  it('output: lo, ct, NDP out, igmp, rules, local_network, corosync mirror, policy accept', () => {
    const output = chainRules(text, 'inet', 'output');
    expect(output).toEqual([
      'oifname "lo" accept',
      'ct state invalid drop',
      'ct state established,related accept',
      'icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } accept',
      'meta l4proto igmp accept',
      'oifname "eth0" udp dport 53 drop comment "100.fw:7"',
      'ip daddr 192.0.2.0/24 tcp dport { 22, 3128, 5900-5999, 8006 } accept comment "local_network"',
      'fib daddr type multicast udp dport 5404-5405 accept comment "corosync multicast"',
      'ip saddr 192.0.2.1 ip daddr { 192.0.2.3, 192.0.2.2 } udp dport 5404-5405 accept comment "corosync"',
      'accept',
    ]);
  });

  it('helper chains: smurfs, tcpflags (5 patterns), blacklist log with host log_level_in', () => {
    expect(chainRules(text, 'inet', 'smurfs')).toEqual([
      'ip saddr 0.0.0.0 return',
      'fib saddr type broadcast goto smurflog',
      'ip saddr 224.0.0.0/4 goto smurflog',
    ]);
    expect(chainRules(text, 'inet', 'tcpflags')).toHaveLength(5);
    expect(chainRules(text, 'inet', 'blacklist')).toEqual([
      'limit rate 1/second burst 5 packets log prefix ":0:6:PVEFW-blacklist: DROP: " group 0',
      'drop',
    ]);
    // smurf_log_level unset: no log rule
    expect(chainRules(text, 'inet', 'smurflog')).toEqual(['drop']);
  });
});

describe('host table: options', () => {
  it('ndp off, nosmurfs off, tcpflags off, no blacklist: none of those rules', () => {
    const { text } = gen(
      b.config({
        host: {
          options: b.hostOptions({ ndp: false, nosmurfs: false, tcpflags: false }),
          rules: [],
        },
      }),
    );
    const input = chainRules(text, 'inet', 'input').join('\n');
    expect(input).not.toContain('nd-');
    expect(input).not.toContain('smurfs');
    expect(input).not.toContain('tcpflags');
    expect(input).not.toContain('blacklist');
    expect(chainNames(text, 'inet')).not.toContain('smurfs');
  });

  it('policy ACCEPT: a single accept, no noise chains, no log', () => {
    const { text } = gen(
      b.config({
        policyIn: 'ACCEPT',
        host: { options: b.hostOptions({ logLevelIn: 6 }), rules: [] },
      }),
    );
    expect(chainRules(text, 'inet', 'input').at(-1)).toBe('accept');
    expect(text).not.toContain('policy ACCEPT');
    expect(chainNames(text, 'inet')).not.toContain('noise_drop');
  });

  it('policy REJECT: noise with SMB rejected, log "policy REJECT: ", then the reject chain', () => {
    const { text } = gen(
      b.config({
        policyIn: 'REJECT',
        host: { options: b.hostOptions({ logLevelIn: 4 }), rules: [] },
      }),
    );
    const input = chainRules(text, 'inet', 'input');
    expect(input.slice(-7)).toEqual([
      'jump noise_addr',
      'icmp type destination-unreachable icmp code 4 accept',
      'icmp type time-exceeded accept',
      'icmpv6 type { destination-unreachable, packet-too-big, time-exceeded } accept',
      'jump noise_reject',
      'limit rate 1/second burst 5 packets log prefix ":0:4:PVEFW-HOST-IN: policy REJECT: " group 0',
      'jump do_reject',
    ]);
    expect(chainRules(text, 'inet', 'noise_reject')).toContain(
      'udp dport { 135, 137-139, 445 } jump do_reject',
    );
    expect(chainRules(text, 'inet', 'do_reject')).toEqual([
      'meta nfproto ipv4 fib daddr type broadcast drop',
      'ip saddr 224.0.0.0/4 drop',
      'meta l4proto { icmp, icmpv6 } drop',
      'meta l4proto tcp reject with tcp reset',
      'meta l4proto udp reject with icmpx type port-unreachable',
      'meta nfproto ipv4 reject with icmp type host-prohibited',
      'meta nfproto ipv6 reject with icmpv6 type admin-prohibited',
      'drop',
    ]);
  });

  it('log rate limit disabled: log without limit', () => {
    const { text } = gen(
      b.config({
        logRatelimit: { enabled: false, rate: 1, per: 'second', burst: 5 },
        host: {
          options: b.hostOptions(),
          rules: [b.rule({ verdict: 'drop', log: 3, proto: b.tcp, dport: b.ports(23) })],
        },
      }),
    );
    expect(chainRules(text, 'inet', 'input')).toContain(
      'tcp dport 23 log prefix ":0:3:PVEFW-HOST-IN: DROP: " group 0 comment "100.fw:7"',
    );
    expect(text).not.toContain('limit rate');
  });

  it('group rules log under the PF group chain name with vmid 0', () => {
    const { text } = gen(
      b.config({
        host: {
          options: b.hostOptions(),
          rules: [b.rule({ log: 6, group: 'web', proto: b.tcp, dport: b.ports(443) })],
        },
      }),
    );
    expect(text).toContain('log prefix ":0:6:GROUP-web-IN: ACCEPT: " group 0');
  });

  it('empty management v6 / no local_network v6: no v6 rules, no empty sets', () => {
    const { text } = gen(b.config());
    expect(text).not.toContain('v6_dc/management');
    expect(chainRules(text, 'inet', 'output').join('\n')).not.toContain('ip6 daddr');
  });

  it('an interface name the resolver should have refused is a bug: it throws', () => {
    expect(() =>
      gen(
        b.config({
          host: { options: b.hostOptions(), rules: [b.rule({ iface: 'way-too-long-ifname0' })] },
        }),
      ),
    ).toThrow(/way-too-long/);
  });
});
