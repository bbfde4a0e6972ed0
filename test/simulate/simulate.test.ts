// simulate() on fixture trees: zones, paths, defaults and the conntrack state it assumes.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ctState, simulate, ZoneError, type SimulateRequest } from '../../src/simulate/simulate.js';
import { REPO } from '../golden/split-tables.js';
import { LAB_HOST, loadModel, type Model } from './model.js';

let lab: Model;
beforeAll(async () => {
  lab = await loadModel(path.join(REPO, 'fixtures/lab'));
});
const run = (req: Partial<SimulateRequest>) =>
  simulate(lab.config, lab.script, { host: LAB_HOST, ...req });

describe('simulate', () => {
  it("defaults to pve-firewall's: outside to host, tcp", () => {
    const r = run({});
    expect(r.from.zone).toBe('outside');
    expect(r.to.kind).toBe('host');
    expect(r.packet).toMatchObject({ proto: 6, daddr: '192.0.2.1', dport: 22, ct: 'new' });
    expect(r.hops.map((h) => `${h.family} ${h.hook}`)).toEqual([
      'bridge prerouting',
      'bridge input',
      'inet prerouting',
      'inet input',
    ]);
  });

  it('takes a container address from its config', () => {
    const r = run({ to: 'ct200', protocol: 'icmpv6' });
    expect(r.packet.daddr).toBe('2001:db8::50');
    expect(r.packet.dmac).toBe('bc:24:11:00:02:00');
  });

  it('asks for an address it cannot know', () => {
    expect(() => run({ to: 'vm100' })).toThrow(
      'no IPv4 address known for vm100 (none in its config or ipfilter set): give --dest',
    );
  });

  it('lists the zones for an unknown one', () => {
    expect(() => run({ from: 'vm999' })).toThrow(ZoneError);
  });

  it('a flooded frame never reaches the host', () => {
    const r = run({ dmac: '02:77:00:00:00:01' });
    expect(r.action).toBe('DROP');
    expect(r.hops.map((h) => h.hook)).toEqual(['prerouting']);
  });

  it('the fwbr plumbing crosses the firewall bridge first', () => {
    const r = run({
      from: 'vm101',
      to: 'outside',
      topology: { plumbing: 'fwbr' },
      protocol: 'udp',
      dport: '9000',
      source: '192.0.2.101',
    });
    expect(r.hops.map((h) => h.note)[0]).toBe('fwbr101i0: tap101i0 -> fwln101i0');
    expect(r.action).toBe('ACCEPT');
    expect(r.path.decidedBy?.line).toBe(13);
  });
});

describe('ctState', () => {
  it('follows the kernel: ICMP errors invalid without a connection, ND untracked', () => {
    expect(ctState(6, null, false)).toBe('new');
    expect(ctState(17, null, true)).toBe('established');
    expect(ctState(1, 8, false)).toBe('new');
    expect(ctState(1, 0, false)).toBe('invalid');
    expect(ctState(1, 3, false)).toBe('invalid');
    expect(ctState(1, 3, true)).toBe('related');
    expect(ctState(58, 135, false)).toBe('untracked');
    expect(ctState(58, 128, false)).toBe('new');
    expect(ctState(58, 1, false)).toBe('invalid');
  });
});
