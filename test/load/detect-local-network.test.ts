import { describe, expect, it } from 'vitest';
import { sourceFile } from '../../src/diag/span.js';
import { Diagnostics } from '../../src/diag/diagnostic.js';
import { detectLocalNetwork, shortHostname } from '../../src/load/detect-local-network.js';
import { parseCorosyncConf } from '../../src/syntax/parse-corosync-conf.js';

// Captured from a PVE node (little-endian): default via 192.0.2.1, 192.0.2.0/24 on vmbr0,
// 10.10.0.0/16 on vmbr1.
const ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
vmbr0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
vmbr1\t00000A0A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
vmbr0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
`;
const ROUTE6 = [
  '00000000000000000000000000000000 00 00000000000000000000000000000000 00 ' +
    '20010db8000000000000000000000001 00000400 00000001 00000000 00000003 vmbr0',
  '20010db8000000000000000000000000 40 00000000000000000000000000000000 00 ' +
    '00000000000000000000000000000000 00000100 00000001 00000000 00000001 vmbr0',
  '20010db8000000000000000000000011 80 00000000000000000000000000000000 00 ' +
    '00000000000000000000000000000000 00000000 00000002 00000000 80200001 vmbr0',
  '',
].join('\n');

const files: Record<string, string> = { '/p/route': ROUTE, '/p/ipv6_route': ROUTE6 };
const base = {
  routeV4: '/p/route',
  routeV6: '/p/ipv6_route',
  readText: async (p: string) => {
    const t = files[p];
    if (t === undefined) throw new Error('ENOENT');
    return t;
  },
  endianness: 'LE' as const,
};

function corosync(text: string) {
  return parseCorosyncConf(sourceFile('corosync.conf', text), new Diagnostics());
}

describe('detectLocalNetwork', () => {
  it("takes the node's corosync address and the first route that contains it", async () => {
    const conf = corosync(
      'nodelist {\n node {\n  name: pve1\n  ring0_addr: 192.0.2.11\n }\n' +
        ' node {\n  name: pve2\n  ring0_addr: 10.10.3.4\n }\n}\n',
    );
    const resolve = async () => {
      throw new Error('not used');
    };
    expect(await detectLocalNetwork('pve1', conf, { ...base, resolve })).toEqual([
      { family: 4, addr: '192.0.2.0', len: 24 },
    ]);
    expect(await detectLocalNetwork('pve2', conf, { ...base, resolve })).toEqual([
      { family: 4, addr: '10.10.0.0', len: 16 },
    ]);
  });

  it('resolves the node name without corosync, and handles IPv6', async () => {
    const resolve = async (name: string) => (name === 'pve1' ? '2001:db8::11' : '203.0.113.9');
    expect(await detectLocalNetwork('pve1', null, { ...base, resolve })).toEqual([
      { family: 6, addr: '2001:db8::', len: 64 },
    ]);
  });

  it('falls back to 127.0.0.0/8 (no route, no address, unreadable /proc)', async () => {
    const loop = [{ family: 4, addr: '127.0.0.0', len: 8 }];
    expect(
      await detectLocalNetwork('x', null, { ...base, resolve: async () => '203.0.113.9' }),
    ).toEqual(loop);
    expect(
      await detectLocalNetwork('x', null, {
        ...base,
        resolve: async () => {
          throw new Error('ENOTFOUND');
        },
      }),
    ).toEqual(loop);
    expect(
      await detectLocalNetwork('x', null, {
        ...base,
        routeV4: '/missing',
        resolve: async () => '192.0.2.11',
      }),
    ).toEqual(loop);
  });

  it('reads big-endian /proc/net/route', async () => {
    const be =
      'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n' +
      'eth0\tC0000200\t00000000\t0001\t0\t0\t0\tFFFFFF00\t0\t0\t0\n';

    const opts = {
      ...base,
      endianness: 'BE' as const,
      readText: async () => be,
      resolve: async () => '192.0.2.11',
    };
    expect(await detectLocalNetwork('x', null, opts)).toEqual([
      { family: 4, addr: '192.0.2.0', len: 24 },
    ]);
  });
});

describe('shortHostname', () => {
  it('keeps the first label', () => {
    expect(shortHostname('pve1.example.com')).toBe('pve1');
    expect(shortHostname('pve1')).toBe('pve1');
  });
});
