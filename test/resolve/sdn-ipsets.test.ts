import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../../src/diag/diagnostic.js';
import { parseSdn } from '../../src/load/parse-sdn.js';
import type { SdnInventory } from '../../src/resolve/input.js';
import type * as ir from '../../src/resolve/ir.js';
import { rangeCidrs } from '../../src/resolve/sdn-ipsets.js';
import { check, cidrs, resolveTree } from './helpers.js';

const CONFIG = JSON.stringify({
  zones: { ids: { z1: { type: 'simple' }, z2: { type: 'vlan' } } },
  vnets: { ids: { web: { zone: 'z1' }, bare: { zone: 'z2' }, nogw: { zone: 'z2' } } },
  subnets: {
    ids: {
      'z1-10.1.0.0-24': {
        vnet: 'web',
        gateway: '10.1.0.1',
        'dhcp-range': [
          'start-address=10.1.0.10,end-address=10.1.0.20',
          'start-address=10.1.0.16,end-address=10.1.0.17', // overlaps the first
        ],
      },
      'z1-10.1.1.0-24': { vnet: 'web' },
      'z1-fd00:1::-64': {
        vnet: 'web',
        gateway: 'fd00:1::1',
        'dhcp-range': ['start-address=fd00:1::100,end-address=fd00:1::1ff'],
      },
      'z2-10.2.0.0-24': { vnet: 'nogw' },
    },
  },
});

const IPAM = JSON.stringify({
  zones: {
    z1: {
      subnets: {
        '10.1.0.0/24': {
          ips: {
            '10.1.0.1': { gateway: 1 },
            '10.1.0.10': { vmid: '100', mac: 'BC:24:11:00:00:01' },
            '10.1.0.11': { vmid: '101', mac: 'BC:24:11:00:00:02' },
          },
        },
        'fd00:1::/64': { ips: { 'fd00:1::100': { vmid: '100', mac: 'BC:24:11:00:00:01' } } },
      },
    },
  },
});

function inventory(config: string | null = CONFIG, ipam: string | null = IPAM): SdnInventory {
  const d = new Diagnostics();
  const inv = parseSdn(
    config === null ? null : { path: 'sdn/.running-config', text: config },
    ipam === null ? null : { path: 'sdn/pve-ipam-state.json', text: ipam },
    d,
  );
  expect(d.list).toEqual([]);
  return inv;
}

/** The set a one-rule cluster file gets for `ref`, and the diagnostics. */
function setOf(ref: string, sdn = inventory()): { set?: ir.IpSet; diags: string } {
  const { config, diags } = resolveTree({
    cluster: `[OPTIONS]\nenable: 1\n[RULES]\nIN ACCEPT -source ${ref}\n`,
    sdn,
  });
  const src = config.host.rules[0]?.source;
  return { set: src?.kind === 'ipset' ? src.set : undefined, diags };
}

describe('+sdn/<vnet>-… sets', () => {
  it('-all: every subnet of the VNet, both families', () => {
    const { set, diags } = setOf('+sdn/web-all');
    expect(diags).toBe('');
    expect(set).toMatchObject({ key: 'sdn/web-all', scope: 'sdn', name: 'web-all' });
    expect(cidrs(set!, 4)).toEqual(['10.1.0.0/23']);
    expect(cidrs(set!, 6)).toEqual(['fd00:1::/64']);
  });

  it('-gateway: the gateways', () => {
    const { set } = setOf('+sdn/web-gateway');
    expect(cidrs(set!, 4)).toEqual(['10.1.0.1/32']);
    expect(cidrs(set!, 6)).toEqual(['fd00:1::1/128']);
  });

  it('-no-gateway: the subnets without their gateways', () => {
    const { set } = setOf('+sdn/web-no-gateway');
    const v4 = cidrs(set!, 4);
    expect(v4).toContain('10.1.0.0/32');
    expect(v4).not.toContain('10.1.0.1/32');
    expect(v4).toContain('10.1.1.0/24'); // the subnet without a gateway stays whole
    // 10.1.0.0/24 minus one address: 8 prefixes, /32 to /25
    expect(v4.filter((c) => c.startsWith('10.1.0.'))).toHaveLength(8);
    expect(cidrs(set!, 6)).not.toContain('fd00:1::1/128');
    expect(cidrs(set!, 6)).toContain('fd00:1::/128');
  });

  it('-dhcp: the DHCP ranges as exact CIDRs, overlapping ranges merged', () => {
    const { set } = setOf('+sdn/web-dhcp');
    expect(cidrs(set!, 4)).toEqual([
      '10.1.0.10/31',
      '10.1.0.12/30',
      '10.1.0.16/30',
      '10.1.0.20/32',
    ]);
    expect(cidrs(set!, 6)).toEqual(['fd00:1::100/120']);
  });

  it('a VNet name that differs only in case still finds its VNet', () => {
    expect(setOf('+sdn/WEB-all').set?.key).toBe('sdn/web-all');
    expect(setOf('+sdn/Web-No-Gateway').set?.key).toBe('sdn/web-no-gateway');
    expect(setOf('+sdn/Guest-IPAM-100').set?.key).toBe('sdn/guest-ipam-100');
  });
});

describe('+sdn/guest-ipam-<vmid>', () => {
  it("holds the guest's IPAM addresses, both families", () => {
    const { set, diags } = setOf('+sdn/guest-ipam-100');
    expect(diags).toBe('');
    expect(set!.key).toBe('sdn/guest-ipam-100');
    expect(cidrs(set!, 4)).toEqual(['10.1.0.10/32']);
    expect(cidrs(set!, 6)).toEqual(['fd00:1::100/128']);
  });

  it('a guest without IPAM entry is an unknown set, an error: never an empty match', () => {
    const { set, diags } = setOf('+sdn/guest-ipam-102');
    expect(set).toBeUndefined();
    expect(diags.split('\n')[0]).toBe(
      "cluster.fw:4:19: error: unknown ipset 'sdn/guest-ipam-102': " +
        'sdn/pve-ipam-state.json has no address of guest 102 [unknown-ipset]',
    );
  });

  it('no IPAM state at all: an error that says so', () => {
    const { diags } = setOf('+sdn/guest-ipam-100', inventory(CONFIG, null));
    expect(diags).toContain(
      "unknown ipset 'sdn/guest-ipam-100': there is no IPAM state (sdn/pve-ipam-state.json or priv/ipam.db)",
    );
  });
});

describe('names that name nothing', () => {
  it.each([
    ['+sdn/db-all', "unknown ipset 'sdn/db-all': no VNet 'db' in sdn/.running-config"],
    [
      '+sdn/web-hosts',
      "unknown ipset 'sdn/web-hosts': SDN sets are <vnet>-all, " +
        '<vnet>-gateway, <vnet>-no-gateway, <vnet>-dhcp or guest-ipam-<vmid>',
    ],
  ])('%s', (ref, message) => {
    const { set, diags } = setOf(ref);
    expect(set).toBeUndefined();
    expect(diags).toContain(`error: ${message} [unknown-ipset]`);
  });

  it('no SDN configuration: every +sdn/ name is unknown', () => {
    const { diags } = resolveTree({ cluster: '[RULES]\nIN ACCEPT -source +sdn/web-all\n' });
    expect(diags).toContain(
      "error: unknown ipset 'sdn/web-all': there is no SDN " +
        'configuration (sdn/.running-config) [unknown-ipset]',
    );
  });

  it('an invalid running config: the error says the file is not valid JSON', () => {
    const d = new Diagnostics();
    const inv = parseSdn({ path: 'sdn/.running-config', text: '{' }, null, d);
    expect(setOf('+sdn/web-all', inv).diags).toContain(
      "unknown ipset 'sdn/web-all': sdn/.running-config is not valid JSON",
    );
  });
});

describe('empty sets', () => {
  it.each([
    ['+sdn/bare-all', "VNet 'bare' has no subnet"],
    ['+sdn/nogw-gateway', "no subnet of VNet 'nogw' has a gateway"],
    ['+sdn/nogw-dhcp', "no subnet of VNet 'nogw' has a DHCP range"],
  ])('%s: a warning at the reference, the rule kept (it never matches)', (ref, why) => {
    const { set, diags } = setOf(ref);
    expect(set).toBeDefined();
    expect(set!.v4).toEqual([]);
    expect(set!.v6).toEqual([]);
    expect(diags.split('\n')[0]).toBe(
      `cluster.fw:4:19: warning: SDN ipset 'sdn/${ref.slice(5)}' is empty ` +
        `(${why}): the rule never matches [empty-sdn-ipset]`,
    );
  });
});

describe('scopes', () => {
  it('cluster, host, group and guest rules all see the SDN sets, one IpSet per name', () => {
    const { config, diags } = resolveTree({
      cluster:
        '[OPTIONS]\nenable: 1\n[RULES]\nIN ACCEPT -source +sdn/web-all\nGROUP g1\n' +
        '[group g1]\nIN ACCEPT -source +sdn/guest-ipam-101\n',
      host: '[RULES]\nOUT ACCEPT -dest +sdn/web-gateway\n',
      guests: [
        {
          vmid: 100,
          fw: '[OPTIONS]\nenable: 1\n[RULES]\nIN ACCEPT -source +sdn/web-all\nGROUP g1\n',
        },
      ],
      sdn: inventory(),
    });
    expect(diags).toBe('');
    const keys = (rules: ir.Rule[]) =>
      rules.map((r) => (r.source ?? r.dest)?.kind === 'ipset' && (r.source ?? r.dest));
    const host = config.host.rules;
    const guest = config.guests[0]!.rules;
    expect(keys(host).map((m) => m && m.kind === 'ipset' && m.set.key)).toEqual([
      'sdn/web-gateway',
      'sdn/web-all',
      'sdn/guest-ipam-101',
    ]);
    expect(guest.map((r) => r.source?.kind === 'ipset' && r.source.set.key)).toEqual([
      'sdn/web-all',
      'sdn/guest-ipam-101',
    ]);
    // the same object: the generator names and fills it once per table
    const hostSet = host[1]!.source!.kind === 'ipset' ? host[1]!.source!.set : null;
    const guestSet = guest[0]!.source!.kind === 'ipset' ? guest[0]!.source!.set : null;
    expect(guestSet).toBe(hostSet);
  });

  it('an unscoped name falls back to SDN after guest and cluster sets (pve-firewall)', () => {
    expect(setOf('+web-all').set?.key).toBe('sdn/web-all');
    const { config } = resolveTree({
      cluster:
        '[OPTIONS]\nenable: 1\n[IPSET web-all]\n192.0.2.1\n[RULES]\nIN ACCEPT -source +web-all\n',
      sdn: inventory(),
    });
    const src = config.host.rules[0]!.source;
    expect(src?.kind === 'ipset' && src.set.key).toBe('dc/web-all');
  });
});

describe('fwgen check', () => {
  it('without a tree, SDN names cannot be judged: no error', () => {
    expect(check('[RULES]\nIN ACCEPT -source +sdn/nothing-all\n', 'host')).toBe('');
    expect(check('[RULES]\nIN ACCEPT -source +nothing-all\n', 'cluster')).toBe('');
    // a name SDN cannot define is still judged
    expect(check('[RULES]\nIN ACCEPT -source +managment\n', 'cluster')).toContain(
      "unknown ipset 'managment'",
    );
  });

  it("with the tree's SDN, names are judged in every file", () => {
    expect(check('[RULES]\nIN ACCEPT -source +sdn/web-all\n', 'host', '', inventory())).toBe('');
    const vnet = '[RULES]\nFORWARD ACCEPT -source +sdn/web-all -dest +sdn/guest-ipam-7\n';
    expect(check(vnet, 'vnet', '', inventory())).toContain(
      "unknown ipset 'sdn/guest-ipam-7': sdn/pve-ipam-state.json has no address of guest 7",
    );
    expect(check(vnet.replace('-7', '-100'), 'vnet', '', inventory())).toBe('');
    expect(check('[RULES]\nIN ACCEPT -source +sdn/db-all\n', 'guest', '', inventory())).toContain(
      "unknown ipset 'sdn/db-all': no VNet 'db' in sdn/.running-config",
    );
  });
});

describe('rangeCidrs', () => {
  const text = (from: string, to: string, family: 4 | 6 = 4) =>
    rangeCidrs({ family, from, to }).map((c) => `${c.addr}/${c.len}`);

  it.each([
    ['10.0.0.0', '10.0.0.255', ['10.0.0.0/24']],
    ['10.0.0.1', '10.0.0.1', ['10.0.0.1/32']],
    ['10.0.0.255', '10.0.1.0', ['10.0.0.255/32', '10.0.1.0/32']],
    ['0.0.0.0', '255.255.255.255', ['0.0.0.0/0']],
    [
      '10.1.0.100',
      '10.1.0.149',
      [
        '10.1.0.100/30',
        '10.1.0.104/29',
        '10.1.0.112/28',
        '10.1.0.128/28',
        '10.1.0.144/30',
        '10.1.0.148/31',
      ],
    ],
  ])('%s-%s', (from, to, expected) => {
    expect(text(from, to)).toEqual(expected);
  });

  it('IPv6, written back in canonical form', () => {
    expect(text('fd00::1000', 'fd00::1fff', 6)).toEqual(['fd00::1000/116']);
    expect(text('2001:db8::ffff', '2001:db8::1:0', 6)).toEqual([
      '2001:db8::ffff/128',
      '2001:db8::1:0/128',
    ]);
    expect(text('::', '::1', 6)).toEqual(['::/127']);
  });
});
