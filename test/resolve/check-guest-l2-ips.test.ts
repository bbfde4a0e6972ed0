// Guest options layer2_protocols and ips/ips_queues, and cluster ebtables, through the resolver.
import { describe, expect, it } from 'vitest';
import { resolveTree } from './helpers.js';

const guest = (options: string) =>
  resolveTree({
    cluster: '[OPTIONS]\nenable: 1\n',
    guests: [{ vmid: 100, fw: `[OPTIONS]\nenable: 1\n${options}` }],
  });

describe('layer2_protocols', () => {
  it('names, aliases and numbers become ethertypes, deduplicated and sorted', () => {
    const { config, diags } = guest('layer2_protocols: ARP,ipv6,0x88b5,802_1Q,dot1q,\n');
    expect(diags).toBe('');
    expect(config.guests[0]!.options.layer2Protocols).toEqual([0x0806, 0x8100, 0x86dd, 0x88b5]);
  });
  it('an unknown entry is an error at its column, and the option is not applied', () => {
    const { config, diags } = guest('layer2_protocols: ARP,appletalk,IPX\n');
    expect(diags).toContain("100.fw:3:23: error: unknown ethertype 'appletalk'");
    expect(diags).toContain('[unknown-ethertype]');
    expect(config.guests[0]!.options.layer2Protocols).toBeNull();
  });
  it('unset = every ethertype', () => {
    expect(guest('').config.guests[0]!.options.layer2Protocols).toBeNull();
  });
});

describe('ips', () => {
  it('ips: 1 without ips_queues is queue 0; ips_queues alone does nothing', () => {
    expect(guest('ips: 1\n').config.guests[0]!.options.ips).toEqual({ from: 0, to: 0 });
    expect(guest('ips_queues: 2:3\n').config.guests[0]!.options.ips).toBeNull();
    expect(guest('ips: 1\nips_queues: 2:3\n').config.guests[0]!.options.ips).toEqual({
      from: 2,
      to: 3,
    });
  });
  it('a backwards or too large range is an invalid value; the guest keeps queue 0', () => {
    const { config, diags } = guest('ips: 1\nips_queues: 3:1\n');
    expect(diags).toContain("invalid value '3:1' for option 'ips_queues'");
    expect(config.guests[0]!.options.ips).toEqual({ from: 0, to: 0 });
    expect(guest('ips: 1\nips_queues: 70000\n').diags).toContain('[invalid-option-value]');
  });
});

describe('cluster ebtables', () => {
  it('defaults to on, ebtables: 0 turns it off', () => {
    expect(resolveTree({ cluster: '[OPTIONS]\nenable: 1\n' }).config.ebtables).toBe(true);
    expect(resolveTree({ cluster: '[OPTIONS]\nenable: 1\nebtables: 0\n' }).config.ebtables).toBe(
      false,
    );
  });
});
