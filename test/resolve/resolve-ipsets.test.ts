import { describe, expect, it } from 'vitest';
import { effective } from '../../src/resolve/resolve-ipsets.js';
import { cidrs, resolveTree } from './helpers.js';

const e = (t: string, nomatch = false) => {
  const [addr, len] = t.split('/');
  return {
    cidr: { family: (addr!.includes(':') ? 6 : 4) as 4 | 6, addr: addr!, len: Number(len) },
    nomatch,
  };
};

describe('nomatch semantics (most specific entry decides, like ipset hash:net)', () => {
  it('a nomatch entry carves a hole', () => {
    expect(
      effective([e('192.0.2.0/24'), e('192.0.2.128/25', true)], 4).map((c) => `${c.addr}/${c.len}`),
    ).toEqual(['192.0.2.0/25']);
  });
  it('a more specific match entry inside a nomatch hole matches again', () => {
    const r = effective([e('192.0.2.0/24'), e('192.0.2.128/25', true), e('192.0.2.200/32')], 4).map(
      (c) => `${c.addr}/${c.len}`,
    );
    expect(r).toEqual(['192.0.2.0/25', '192.0.2.200/32']);
  });
  it('entry order in the file does not matter', () => {
    const a = effective([e('192.0.2.200/32'), e('192.0.2.128/25', true), e('192.0.2.0/24')], 4);
    const b = effective([e('192.0.2.0/24'), e('192.0.2.128/25', true), e('192.0.2.200/32')], 4);
    expect(a).toEqual(b);
  });
  it('a nomatch entry alone matches nothing', () => {
    expect(effective([e('10.0.0.0/8', true)], 4)).toEqual([]);
  });
  it('keeps families apart', () => {
    expect(
      effective([e('2001:db8::/32'), e('2001:db8:1::/48', true), e('10.0.0.0/8')], 6).length,
    ).toBeGreaterThan(1);
    expect(effective([e('2001:db8::/32'), e('10.0.0.0/8')], 4).map((c) => c.addr)).toEqual([
      '10.0.0.0',
    ]);
  });
});

describe('ipsets in a tree', () => {
  it('management = cluster set + local network, with nomatch applied', () => {
    const { config, diags } = resolveTree({
      cluster: '[OPTIONS]\nenable: 1\n[IPSET management]\n198.51.100.0/24\n!198.51.100.0/25\n',
    });
    expect(diags).toBe('');
    expect(cidrs(config.management, 4)).toEqual(['192.0.2.0/24', '198.51.100.128/25']);
  });
  it('alias entries resolve, guest aliases first', () => {
    const { config, diags } = resolveTree({
      cluster: '[OPTIONS]\nenable: 1\n[ALIASES]\nsrv 198.51.100.1\n',
      guests: [
        {
          vmid: 100,
          fw:
            '[OPTIONS]\nenable: 1\n[ALIASES]\nsrv 203.0.113.1\n' +
            '[IPSET ss]\nsrv\ndc/srv\n[RULES]\nIN ACCEPT -source +ss\n',
        },
      ],
    });
    expect(diags).toBe('');
    const rule = config.guests[0]!.rules[0]!;
    expect(rule.source?.kind === 'ipset' && cidrs(rule.source.set, 4)).toEqual([
      '198.51.100.1/32',
      '203.0.113.1/32',
    ]);
  });
});
