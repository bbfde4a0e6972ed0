import { describe, expect, it } from 'vitest';
import {
  ICMP_TYPES,
  findIcmpType,
  icmpFamilyOfProto,
  legacyDportIcmpFamily,
} from '../../src/data/icmp-types.js';

describe('icmp types', () => {
  it('has every named row of icmp-types.tsv', () => {
    expect(ICMP_TYPES).toHaveLength(78);
    expect(ICMP_TYPES.filter((t) => t.family === 'icmp')).toHaveLength(39);
    expect(ICMP_TYPES.filter((t) => t.family === 'icmpv6')).toHaveLength(39);
    expect(ICMP_TYPES.filter((t) => t.family === 'icmp' && t.pveFirewall)).toHaveLength(37);
    expect(ICMP_TYPES.filter((t) => t.family === 'icmpv6' && t.pveFirewall)).toHaveLength(25);
  });

  it('spot checks', () => {
    expect(findIcmpType('icmp', 'host-unreachable')).toMatchObject({
      type: 3,
      code: 1,
      nft: 'icmp type 3 icmp code 1',
      nftType: 3,
      nftCode: 1,
      pveFirewall: true,
    });
    expect(findIcmpType('icmp', 'echo-request')).toMatchObject({
      type: 8,
      code: null,
      nft: 'icmp type echo-request',
      nftType: 'echo-request',
    });
    expect(findIcmpType('icmp', 'echo-request')?.nftCode).toBeUndefined();
    expect(findIcmpType('icmpv6', 'neighbour-solicitation')).toMatchObject({
      type: 135,
      nftType: 'nd-neighbor-solicit',
      pveFirewall: true,
    });
    expect(findIcmpType('icmpv6', 'nd-neighbor-solicit')?.pveFirewall).toBe(false);
    expect(findIcmpType('icmp', 'any')?.pveFirewall).toBe(true);
    expect(findIcmpType('icmpv6', 'any')?.pveFirewall).toBe(false);
    expect(findIcmpType('icmp', 'info-request')).toMatchObject({
      pveFirewall: false,
      proxmoxFirewall: true,
    });
    expect(findIcmpType('icmpv6', 'reject-route')).toMatchObject({
      type: 1,
      code: 6,
      pveFirewall: true,
      proxmoxFirewall: false,
      nft: 'icmpv6 type 1 icmpv6 code 6',
    });
    expect(findIcmpType('icmp', 'Echo-Request')).toBeUndefined();
    expect(findIcmpType('icmpv6', 'host-unreachable')).toBeUndefined();
    expect(icmpFamilyOfProto('ipv6-icmp')).toBe('icmpv6');
    expect(legacyDportIcmpFamily('ipv6-icmp')).toBeUndefined();
    expect(legacyDportIcmpFamily('icmpv6')).toBe('icmpv6');
  });

  it('structured nft fields agree with the nft text', () => {
    for (const t of ICMP_TYPES) {
      const type = t.nftType === null ? '0-255' : String(t.nftType);
      const code = t.nftCode === undefined ? '' : ` ${t.family} code ${t.nftCode}`;
      expect(t.nft).toBe(`${t.family} type ${type}${code}`);
      if (typeof t.nftType === 'number') expect(t.nftType).toBe(t.type);
      expect(t.nftCode ?? null).toBe(t.code);
    }
  });
});
