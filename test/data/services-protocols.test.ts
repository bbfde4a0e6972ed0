import { describe, expect, it } from 'vitest';
import { SERVICES, findService } from '../../src/data/services.js';
import { PROTOCOLS, findProtocol, protocolHasPorts } from '../../src/data/protocols.js';

describe('services', () => {
  it('spot checks', () => {
    expect(SERVICES.size).toBe(335);
    expect(findService('ssh')).toMatchObject({ port: 22, protocols: ['tcp'], pveFirewall: true });
    expect(findService('http')).toMatchObject({ port: 80, protocols: ['tcp'] });
    expect(findService('domain')).toMatchObject({ port: 53, protocols: ['tcp', 'udp'] });
    expect(findService('www')).toMatchObject({ port: 80, primary: 'http', pveFirewall: false });
    expect(findService('amqp')?.protocols).toEqual(['tcp', 'sctp']);
    expect(findService('dicom')?.port).toBe(11112);
    expect(findService('echo')).toMatchObject({ port: 7, protocols: ['tcp', 'udp'] });
    expect(findService('SSH')).toBeUndefined();
    expect(findService('rtmp')).toBeUndefined();
  });
});

describe('protocols', () => {
  it('spot checks', () => {
    expect(findProtocol('tcp')).toEqual({ name: 'tcp', number: 6, listed: true, nft: 'tcp' });
    expect(findProtocol('icmpv6')).toEqual({
      name: 'icmpv6',
      number: 58,
      listed: true,
      nft: 'icmpv6',
    });
    expect(findProtocol('ipv6-icmp')?.number).toBe(58);
    expect(findProtocol('17')).toMatchObject({ name: 'udp', number: 17, listed: true });
    expect(findProtocol(17)?.name).toBe('udp');
    expect(findProtocol('58')?.name).toBe('ipv6-icmp');
    expect(findProtocol('gre')).toMatchObject({ number: 47, nft: '47' });
    expect(findProtocol('200')).toEqual({ name: '200', number: 200, listed: false, nft: '200' });
    expect(findProtocol('256')).toBeUndefined();
    expect(findProtocol('017')).toBeUndefined();
    expect(findProtocol('TCP')).toBeUndefined();
    expect(findProtocol('mptcp')).toBeUndefined();
    expect(PROTOCOLS.every((p) => p.number >= 0 && p.number <= 255)).toBe(true);
  });

  it('knows which protocols have ports', () => {
    for (const p of ['tcp', 'udp', 'udplite', 'dccp', 'sctp', '6', '17', '136', '33', '132']) {
      expect(protocolHasPorts(p)).toBe(true);
    }
    expect(protocolHasPorts('icmp')).toBe(false);
    expect(protocolHasPorts('47')).toBe(false);
  });
});
