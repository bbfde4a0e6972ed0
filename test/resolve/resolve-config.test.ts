import { describe, expect, it } from 'vitest';
import { cidrs, nic, resolveTree } from './helpers.js';

describe('switches', () => {
  it('cluster enable defaults to off', () => {
    expect(resolveTree({ cluster: '[OPTIONS]\npolicy_in: DROP\n' }).config.enabled).toBe(false);
  });
  it('an enable timestamp counts for 60 seconds', () => {
    const now = 1_800_000_000;
    expect(resolveTree({ cluster: `[OPTIONS]\nenable: ${now - 30}\n`, now }).config.enabled).toBe(
      true,
    );
    expect(resolveTree({ cluster: `[OPTIONS]\nenable: ${now - 61}\n`, now }).config.enabled).toBe(
      false,
    );
  });
  it('policies and option defaults', () => {
    const { config } = resolveTree({
      cluster: '[OPTIONS]\nenable: 1\npolicy_in: reject\n',
      guests: [{ vmid: 100, fw: '[OPTIONS]\nenable: 1\n' }],
    });
    expect([config.policyIn, config.policyOut]).toEqual(['REJECT', 'ACCEPT']);
    expect(config.host.options).toMatchObject({
      enable: true,
      nosmurfs: true,
      tcpflags: false,
      ndp: true,
    });
    expect(config.guests[0]!.options).toEqual({
      enable: true,
      policyIn: 'DROP',
      policyOut: 'ACCEPT',
      logLevelIn: null,
      logLevelOut: null,
      macfilter: true,
      dhcp: true,
      ndp: true,
      radv: false,
      ipfilter: false,
      ips: null,
      layer2Protocols: null,
    });
    expect(config.logRatelimit).toEqual({ enabled: true, rate: 1, per: 'second', burst: 5 });
  });
  it('a guest without .fw file is left out', () => {
    expect(
      resolveTree({ cluster: '[OPTIONS]\nenable: 1\n', guests: [{ vmid: 100 }] }).config.guests,
    ).toEqual([]);
  });
});

describe('guest NICs and ipfilter', () => {
  it('device names follow the guest type', () => {
    const { config } = resolveTree({
      guests: [
        { vmid: 100, fw: '' },
        { vmid: 200, type: 'lxc', fw: '' },
      ],
    });
    expect(config.guests.map((g) => g.nics[0]!.device)).toEqual(['tap100i0', 'veth200i0']);
  });
  it('ipfilter: 1 → implicit set: EUI-64 link-local, container addresses, not other link-locals', () => {
    const { config } = resolveTree({
      guests: [
        {
          vmid: 200,
          type: 'lxc',
          fw: '[OPTIONS]\nipfilter: 1\n',
          nics: [
            nic(0, 'BC:24:11:00:02:00', true, {
              ip: { value: '192.0.2.50/24', span: nic(0, null).span },
              ip6: { value: '2001:db8::50/64', span: nic(0, null).span },
            }),
          ],
        },
      ],
    });
    const set = config.guests[0]!.nics[0]!.ipfilter!;
    expect(cidrs(set, 4)).toEqual(['192.0.2.50/32']);
    expect(cidrs(set, 6)).toEqual(['2001:db8::50/128', 'fe80::be24:11ff:fe00:200/128']);
  });
  it('an explicit ipfilter-netN set applies even with ipfilter off', () => {
    const { config } = resolveTree({
      guests: [{ vmid: 100, fw: '[IPSET ipfilter-net0]\n192.0.2.100\n' }],
    });
    expect(cidrs(config.guests[0]!.nics[0]!.ipfilter!, 4)).toEqual(['192.0.2.100/32']);
  });
  it('no ipfilter set without the option or an explicit set', () => {
    expect(
      resolveTree({ guests: [{ vmid: 100, fw: '' }] }).config.guests[0]!.nics[0]!.ipfilter,
    ).toBeNull();
  });
});

describe('local network', () => {
  it('the cluster alias local_network wins over detection', () => {
    const { config } = resolveTree({ cluster: '[ALIASES]\nlocal_network 198.51.100.0/24\n' });
    expect(config.localNetwork).toEqual([{ family: 4, addr: '198.51.100.0', len: 24 }]);
    expect(cidrs(config.management, 4)).toEqual(['198.51.100.0/24']);
  });
});
