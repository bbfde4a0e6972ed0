import { describe, expect, it } from 'vitest';
import { MACROS, findMacro, macroLines } from '../../src/data/macros.js';
import { findIcmpType, icmpFamilyOfProto } from '../../src/data/icmp-types.js';
import { findProtocol } from '../../src/data/protocols.js';

describe('macros', () => {
  it('has every macro and line of macros.tsv', () => {
    expect(MACROS).toHaveLength(88);
    expect(MACROS.reduce((n, m) => n + m.lines.length, 0)).toBe(128);
    expect(new Set(MACROS.map((m) => m.name.toLowerCase())).size).toBe(88);
  });

  it('splits lines per implementation', () => {
    const known = MACROS.filter((m) => m.knownToPveFirewall);
    expect(known).toHaveLength(86);
    expect(MACROS.filter((m) => !m.knownToPveFirewall).map((m) => m.name)).toEqual([
      'HTTP/3',
      'PBS',
    ]);
    const pf = MACROS.reduce((n, m) => n + macroLines(m, 'pve-firewall').length, 0);
    const vc = MACROS.reduce((n, m) => n + macroLines(m, 'proxmox-ve-config').length, 0);
    expect(pf).toBe(121);
    expect(vc).toBe(123);
    const nd = findMacro('NeighborDiscovery')!;
    expect(macroLines(nd, 'pve-firewall').map((l) => l.icmpType)).toEqual([
      'router-solicitation',
      'router-advertisement',
      'neighbor-solicitation',
      'neighbor-advertisement',
    ]);
    expect(macroLines(nd, 'proxmox-ve-config').map((l) => l.icmpType)).toEqual([
      'nd-router-solicit',
      'nd-router-advert',
      'nd-neighbor-solicit',
      'nd-neighbor-advert',
    ]);
    const dhcp6 = findMacro('DHCPv6')!;
    expect(macroLines(dhcp6, 'pve-firewall')).toEqual([
      {
        proto: 'udp',
        dport: '546:547',
        sport: '546:547',
        family: 'ipv6',
        definedIn: 'pve-firewall',
      },
    ]);
    expect(macroLines(dhcp6, 'proxmox-ve-config')[0]?.family).toBe('any');
  });

  it('spot checks', () => {
    expect(findMacro('SSH')?.lines).toEqual([
      { proto: 'tcp', dport: '22', family: 'any', definedIn: 'both' },
    ]);
    expect(findMacro('ssh')?.name).toBe('SSH');
    expect(findMacro('bittorrent32')?.name).toBe('BitTorrent32');
    expect(findMacro('nosuch')).toBeUndefined();
    expect(findMacro('Ping')?.lines).toEqual([
      { proto: 'icmp', icmpType: 'echo-request', family: 'ipv4', definedIn: 'both' },
      { proto: 'icmpv6', icmpType: 'echo-request', family: 'ipv6', definedIn: 'both' },
    ]);
    expect(findMacro('VNC')?.lines[0]?.dport).toBe('5900:5999');
    expect(findMacro('SMB')?.lines.map((l) => [l.proto, l.dport, l.sport])).toEqual([
      ['udp', '135,445', undefined],
      ['udp', '137:139', undefined],
      ['udp', '1024:65535', '137'],
      ['tcp', '135,139,445', undefined],
    ]);
    expect(findMacro('GRE')?.lines).toEqual([{ proto: '47', family: 'any', definedIn: 'both' }]);
    expect(findMacro('PBS')?.knownToPveFirewall).toBe(false);
  });

  it('every line is consistent with the other tables', () => {
    for (const m of MACROS) {
      for (const l of m.lines) {
        expect(l.source).toBeUndefined();
        expect(l.dest).toBeUndefined();
        expect(l.proto, m.name).toBeDefined();
        expect(findProtocol(l.proto!)?.listed, `${m.name} ${l.proto}`).toBe(true);
        for (const p of [l.dport, l.sport]) {
          if (p !== undefined) expect(p).toMatch(/^\d+(:\d+)?(,\d+(:\d+)?)*$/);
        }
        if (l.icmpType !== undefined) {
          const fam = icmpFamilyOfProto(l.proto!)!;
          const t = findIcmpType(fam, l.icmpType);
          expect(t, `${m.name} ${l.icmpType}`).toBeDefined();
          const side = l.definedIn === 'proxmox-ve-config' ? t!.proxmoxFirewall : t!.pveFirewall;
          expect(side, `${m.name} ${l.icmpType}`).toBe(true);
          expect(l.family).toBe(fam === 'icmp' ? 'ipv4' : 'ipv6');
          expect(l.dport).toBeUndefined();
        }
      }
    }
  });
});
