// IPS (ips.ts) and the layer-2 filter (layer2.ts) in the guest table; the resolver's side
// (layer2_protocols names, ips_queues ranges) is at the end.
import { describe, expect, it } from 'vitest';
import { ethertypeNft, ethertypeNumber } from '../../src/data/ethertypes.js';
import { parseIpsQueues } from '../../src/resolve/check-guest-l2-ips.js';
import type * as ir from '../../src/resolve/ir.js';
import * as b from './ir-builders.js';
import { chainNames, chainRules, gen } from './text-helpers.js';

const one = (
  opts: Partial<ir.GuestOptions>,
  over: Partial<ir.Config> = {},
  rules: ir.Rule[] = [],
) =>
  gen(b.config({ guests: [b.guest(100, { options: b.guestOptions(opts), rules })], ...over })).text;

describe('IPS', () => {
  const acceptIn = b.rule({ direction: 'in', verdict: 'accept' });

  it('without ips nothing is queued', () => {
    const text = one({}, {}, [acceptIn]);
    expect(text).not.toContain('queue');
    expect(chainNames(text, 'bridge').some((c) => c.startsWith('ips_'))).toBe(false);
  });

  it('ips: 1 queues to 0 with bypass: accepted rules, NDP, established; not DHCP or ARP', () => {
    const text = one({ ips: { from: 0, to: 0 } }, {}, [acceptIn]);
    expect(chainRules(text, 'bridge', 'ips_queue_0')).toEqual([
      'meta protocol { ip, ip6 } queue num 0 bypass',
      'accept',
    ]);
    const inChain = chainRules(text, 'bridge', 'g100_net0_in');
    expect(inChain).toContain('meta protocol arp accept');
    expect(inChain).toContain('ct state established,related goto ips_queue_0');
    expect(inChain.find((l) => l.startsWith('icmpv6 type {'))).toMatch(/goto ips_queue_0$/);
    expect(inChain.find((l) => l.includes('udp sport 67'))).toMatch(/ accept$/);
    expect(inChain.filter((l) => l.includes('goto ips_queue_0')).length).toBe(3);
    // policy DROP: the final drop stays, its ICMP-error accepts are plain accepts (PF PVEFW-Drop)
    expect(inChain.at(-1)).toBe('drop');
    expect(inChain).toContain('icmp type time-exceeded accept');
  });

  it('ips_queues N:M balances with fanout; policy ACCEPT is queued', () => {
    const text = one({ ips: { from: 2, to: 5 }, policyIn: 'ACCEPT' });
    expect(chainRules(text, 'bridge', 'ips_queue_2_5')[0]).toBe(
      'meta protocol { ip, ip6 } queue num 2-5 fanout,bypass',
    );
    expect(chainRules(text, 'bridge', 'g100_net0_in').at(-1)).toBe('goto ips_queue_2_5');
  });

  it('the guest OUT side and the prerouting copy are never queued', () => {
    const text = one({ ips: { from: 0, to: 0 }, policyIn: 'REJECT' }, {}, [
      acceptIn,
      b.rule({ direction: 'out', verdict: 'accept' }),
    ]);
    expect(chainRules(text, 'bridge', 'g100_net0_out').join('\n')).not.toContain('queue');
    expect(chainRules(text, 'bridge', 'g100_net0_in_pre').join('\n')).not.toContain('queue');
  });

  it('guests sharing a queue range share one chain', () => {
    const opts = b.guestOptions({ ips: { from: 0, to: 3 } });
    const text = gen(
      b.config({
        guests: [b.guest(100, { options: opts }), b.guest(101, { options: opts })],
      }),
    ).text;
    expect(chainNames(text, 'bridge').filter((c) => c.startsWith('ips_'))).toEqual([
      'ips_queue_0_3',
    ]);
  });
});

describe('layer 2 (cluster ebtables)', () => {
  const withFilter = (ebtables: boolean, opts: Partial<ir.GuestOptions> = {}) => {
    const ipfilter: ir.IpSet = {
      key: 'guest-100/ipfilter-net0',
      scope: 'guest',
      vmid: 100,
      name: 'ipfilter-net0',
      comment: null,
      v4: [{ family: 4, addr: '192.0.2.100', len: 32 }],
      v6: [],
      origin: null,
    };
    const guest = b.guest(100, {
      options: b.guestOptions(opts),
      nics: [b.nic(100, 0, { ipfilter })],
    });
    const rules = chainRules(
      gen(b.config({ guests: [guest], ebtables })).text,
      'bridge',
      'g100_net0_out',
    );
    // The VMID connmark comes first in every guest chain; the layer-2 filter follows it.
    expect(rules[0]).toBe('ct mark set 100');
    return rules.slice(1);
  };

  it('layer2_protocols: other ethertypes dropped, IPv4/IPv6 always allowed, nft names or hex', () => {
    const out = withFilter(true, { layer2Protocols: [0x0806, 0x8100, 0x88cc] });
    expect(out[0]).toBe('ether saddr != bc:24:11:00:64:00 drop');
    expect(out[1]).toBe('ether type != { ip, arp, 8021q, ip6, 0x88cc } drop');
  });

  it('ebtables on: ARP sender MAC and sender IP filtered; non-IP frames leave before the ct rules', () => {
    const out = withFilter(true);
    expect(out).toContain('meta protocol arp arp saddr ether != bc:24:11:00:64:00 drop');
    expect(out).toContain('meta protocol arp iifname . arp saddr ip != @ipfilter_v4 drop');
    expect(out.indexOf('meta protocol != ip meta protocol != ip6 return')).toBeLessThan(
      out.indexOf('ct state invalid drop'),
    );
    expect(out.join('\n')).not.toContain('ether type');
  });

  it('ebtables: 0: no ARP filter, no layer2_protocols, MAC filter for IP only; IP ipfilter kept', () => {
    const out = withFilter(false, { layer2Protocols: [0x0806] });
    expect(out[0]).toBe('meta protocol { ip, ip6 } ether saddr != bc:24:11:00:64:00 drop');
    const text = out.join('\n');
    expect(text).not.toContain('ether type');
    expect(text).not.toContain('arp saddr');
    expect(out).toContain('iifname . ip saddr != @ipfilter_v4 drop');
  });
});

describe('layer2_protocols and ips_queues values', () => {
  it('names and aliases from /etc/ethertypes in any case, hex numbers 0600..ffff', () => {
    expect(ethertypeNumber('IPv4')).toBe(0x0800);
    expect(ethertypeNumber('arp')).toBe(0x0806);
    expect(ethertypeNumber('802_1Q')).toBe(0x8100);
    expect(ethertypeNumber('dot1q')).toBe(0x8100);
    expect(ethertypeNumber('LLDP')).toBe(0x88cc);
    expect(ethertypeNumber('88b5')).toBe(0x88b5);
    expect(ethertypeNumber('0x88B5')).toBe(0x88b5);
    expect(ethertypeNumber('0600')).toBe(0x0600);
    expect(ethertypeNumber('05ff')).toBeUndefined(); // an 802.3 length, not a type
    expect(ethertypeNumber('appletalk')).toBeUndefined();
    expect(ethertypeNumber('10000')).toBeUndefined();
  });

  it('nft spelling: nft keywords where nft has one, else 0x and four digits', () => {
    expect([0x0800, 0x0806, 0x86dd, 0x8100, 0x88a8, 0x88cc, 0x0805].map(ethertypeNft)).toEqual([
      'ip',
      'arp',
      'ip6',
      '8021q',
      '8021ad',
      '0x88cc',
      '0x0805',
    ]);
  });

  it('ips_queues: N, N:M with N <= M, 16-bit queue numbers', () => {
    expect(parseIpsQueues('3')).toEqual({ from: 3, to: 3 });
    expect(parseIpsQueues('0:3')).toEqual({ from: 0, to: 3 });
    expect(parseIpsQueues('3:1')).toBeUndefined();
    expect(parseIpsQueues('65536')).toBeUndefined();
    expect(parseIpsQueues('1-3')).toBeUndefined();
  });
});
