import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../../src/diag/diagnostic.js';
import { renderAll } from '../../src/diag/render.js';
import type { FileReader } from '../../src/load/file-reader.js';
import { parseJson } from '../../src/load/parse-json.js';
import { checkFiles, checkTarget } from '../../src/check.js';
import { loadSdn, parseSdn } from '../../src/load/parse-sdn.js';

const CONFIG = JSON.stringify({
  version: 4,
  zones: { ids: { z1: { type: 'simple', ipam: 'pve', dhcp: 'dnsmasq' }, z2: { type: 'vlan' } } },
  vnets: { ids: { web: { type: 'vnet', zone: 'z1' }, db: { type: 'vnet', zone: 'z2', tag: 5 } } },
  subnets: {
    ids: {
      'z1-10.1.0.0-24': {
        type: 'subnet',
        vnet: 'web',
        gateway: '10.1.0.1',
        'dhcp-range': ['start-address=10.1.0.10,end-address=10.1.0.20'],
      },
      'z1-fd00:1::-64': { type: 'subnet', vnet: 'web', gateway: 'FD00:1:0::1' },
      'z2-10.2.0.0-24': { type: 'subnet', vnet: 'db' },
    },
  },
  controllers: { ids: {} },
});

const IPAM = JSON.stringify({
  zones: {
    z1: {
      subnets: {
        '10.1.0.0/24': {
          ips: {
            '10.1.0.1': { gateway: 1 },
            '10.1.0.10': { vmid: '100', mac: 'BC:24:11:00:00:01', hostname: null },
            '10.1.0.50': { mac: 'BC:24:11:00:00:09' },
          },
        },
        'fd00:1::/64': { ips: { 'fd00:1::a': { vmid: 100, mac: 'BC:24:11:00:00:01' } } },
      },
    },
  },
});

function parse(config: string | null, ipam: string | null = null) {
  const d = new Diagnostics();
  const inv = parseSdn(
    config === null ? null : { path: 'sdn/.running-config', text: config },
    ipam === null ? null : { path: 'sdn/pve-ipam-state.json', text: ipam },
    d,
  );
  return { inv, diags: renderAll(d.sorted()) };
}

describe('parseSdn: running config', () => {
  it('reads VNets with their zone, subnets, gateways and DHCP ranges', () => {
    const { inv, diags } = parse(CONFIG);
    expect(diags).toBe('');
    expect([...inv.vnets.keys()].sort()).toEqual(['db', 'web']);
    const web = inv.vnets.get('web')!;
    expect(web.zone).toBe('z1');
    expect(
      web.subnets.map((s) => ({
        cidr: `${s.cidr.addr}/${s.cidr.len}`,
        gw: s.gateway?.addr ?? null,
        dhcp: s.dhcpRanges,
      })),
    ).toEqual([
      {
        cidr: '10.1.0.0/24',
        gw: '10.1.0.1',
        dhcp: [{ family: 4, from: '10.1.0.10', to: '10.1.0.20' }],
      },
      // the gateway normalised (lower case, compressed)
      { cidr: 'fd00:1::/64', gw: 'fd00:1::1', dhcp: [] },
    ]);
    expect(inv.vnets.get('db')!.subnets[0]!.gateway).toBeNull();
  });

  it('absent files are no SDN; an empty file too', () => {
    expect(parse(null).inv).toMatchObject({ configPath: null, ipamPath: null, ipam: [] });
    const { inv, diags } = parse('  \n');
    expect(diags).toBe('');
    expect(inv.vnets.size).toBe(0);
  });

  it('malformed JSON is a located error, never a crash', () => {
    const { inv, diags } = parse('{\n  "vnets": {\n    "ids": { "a": 1 \n}\n');
    expect(diags.split('\n')[0]).toBe(
      "sdn/.running-config:5:1: error: invalid JSON: expected ',' or " +
        "'}', found end of file [invalid-sdn-config]",
    );
    expect(inv.invalid).toEqual(['sdn/.running-config']);
  });

  it('reports bad entries where they are and keeps the rest', () => {
    const bad = JSON.stringify(
      {
        zones: { ids: { z1: { type: 'simple' } } },
        vnets: {
          ids: {
            ok: { zone: 'z1' },
            'bad-name': { zone: 'z1' },
            lost: { zone: 'nowhere' },
          },
        },
        subnets: {
          ids: {
            'z1-10.0.0.0-24': { vnet: 'ok', gateway: 'fd00::1' },
            'z1-10.0.1.0-24': {
              vnet: 'ok',
              'dhcp-range': ['start-address=10.0.1.9,end-address=10.0.1.2'],
            },
            'z1-10.0.2.0': { vnet: 'ok' },
            'z1-10.0.3.0-24': { vnet: 'ghost' },
          },
        },
      },
      null,
      1,
    );
    const { inv, diags } = parse(bad);
    const messages = diags
      .split('\n')
      .filter((l) => / error: /.test(l))
      .map((l) => l.replace(/^.*? error: /, ''));
    expect(messages).toEqual([
      "invalid VNet name 'bad-name': a letter, then up to 7 letters or digits [invalid-sdn-config]",
      "VNet 'lost' is in zone 'nowhere', which does not exist [invalid-sdn-config]",
      "gateway 'fd00::1' is not an IPv4 address like its subnet [invalid-sdn-config]",
      "DHCP range '10.0.1.9-10.0.1.2' runs backwards [invalid-sdn-config]",
      "invalid subnet id 'z1-10.0.2.0', expected <zone>-<address>-<prefix length> [invalid-sdn-config]",
      "subnet 'z1-10.0.3.0-24' is in VNet 'ghost', which does not exist [invalid-sdn-config]",
    ]);
    // the subnets themselves stay; only the bad gateway and range are left out
    expect(inv.vnets.get('ok')!.subnets.map((s) => [s.cidr.addr, s.gateway, s.dhcpRanges])).toEqual(
      [
        ['10.0.0.0', null, []],
        ['10.0.1.0', null, []],
      ],
    );
  });

  it('a repeated key is an error pointing at both', () => {
    const { diags } = parse('{"vnets": {"ids": {"a": {"zone": "z"}, "a": {"zone": "z"}}}}');
    expect(diags).toContain("error: key 'a' is repeated [invalid-sdn-config]");
    expect(diags).toContain('note: first given here');
  });
});

describe('parseSdn: IPAM state', () => {
  it('keeps guest entries (vmid as string or number), skips gateway and custom entries', () => {
    const { inv, diags } = parse(CONFIG, IPAM);
    expect(diags).toBe('');
    expect(inv.ipam.map((e) => [e.vmid, e.ip.addr, e.zone, e.subnet])).toEqual([
      [100, '10.1.0.10', 'z1', '10.1.0.0/24'],
      [100, 'fd00:1::a', 'z1', 'fd00:1::/64'],
    ]);
  });

  it('an address outside its subnet or a bad vmid is a located error', () => {
    const { inv, diags } = parse(
      null,
      '{"zones": {"z": {"subnets": {"10.0.0.0/24": {"ips": {\n' +
        '"10.0.9.1": {"vmid": "100", "mac": "x"},\n"10.0.0.2": {"vmid": "abc"}}}}}}}',
    );
    expect(inv.ipam).toEqual([]);
    expect(diags).toContain(
      "sdn/pve-ipam-state.json:2:1: error: IPAM address '10.0.9.1' is " +
        "outside its subnet '10.0.0.0/24' [invalid-sdn-config]",
    );
    expect(diags).toContain("error: invalid vmid in IPAM entry '10.0.0.2' [invalid-sdn-config]");
  });
});

describe('loadSdn', () => {
  function reader(files: Record<string, string>): FileReader {
    return {
      readFile: async (p) => {
        if (p in files) return files[p]!;
        throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      },
      readStdin: async () => '',
      glob: async () => [],
      isDirectory: async () => true,
    };
  }

  it('reads the running config and the IPAM state from the tree', async () => {
    const r = await loadSdn(
      '/pve',
      reader({ '/pve/sdn/.running-config': CONFIG, '/pve/sdn/pve-ipam-state.json': IPAM }),
    );
    expect(r.files.map((f) => f.path)).toEqual([
      '/pve/sdn/.running-config',
      '/pve/sdn/pve-ipam-state.json',
    ]);
    expect(r.inventory.ipam).toHaveLength(2);
    expect(r.diagnostics).toEqual([]);
  });

  it('falls back to the legacy priv/ipam.db only when the IPAM state is absent', async () => {
    const legacy = await loadSdn('/pve', reader({ '/pve/priv/ipam.db': IPAM }));
    expect(legacy.inventory.ipamPath).toBe('/pve/priv/ipam.db');
    expect(legacy.inventory.ipam).toHaveLength(2);
    const both = await loadSdn(
      '/pve',
      reader({ '/pve/sdn/pve-ipam-state.json': '{"zones": {}}', '/pve/priv/ipam.db': IPAM }),
    );
    expect(both.inventory.ipamPath).toBe('/pve/sdn/pve-ipam-state.json');
    expect(both.inventory.ipam).toEqual([]);
  });

  it('no SDN files: no SDN, no diagnostics', async () => {
    const r = await loadSdn('/pve', reader({}));
    expect(r.files).toEqual([]);
    expect(r.inventory.vnets.size).toBe(0);
    expect(r.diagnostics).toEqual([]);
  });
});

describe('parseJson', () => {
  const json = (text: string) => parseJson({ path: 'x.json', text });

  it('keeps spans of keys and values', () => {
    const r = json('{\n  "a": [1, "b", true, null]\n}');
    if (!r.ok || r.value.kind !== 'object') throw new Error('expected an object');
    const m = r.value.members[0]!;
    expect([m.keySpan.start.line, m.keySpan.start.column]).toEqual([2, 3]);
    expect(m.value.kind === 'array' && m.value.items.map((i) => i.kind)).toEqual([
      'number',
      'string',
      'boolean',
      'null',
    ]);
  });

  it.each([
    ['{"a": 1,}', "a comma before '}' is not allowed in JSON", 8],
    ['[1, 2', "expected ',' or ']', found end of file", 6],
    ['{"a" 1}', "expected ':', found '1'", 6],
    ['"abc', 'unterminated string', 1],
    ['{} x', "unexpected 'x' after the JSON value", 4],
    ['['.repeat(100), 'values nested too deeply', 66],
  ])('%s: %s', (text, message, column) => {
    const r = json(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toBe(message);
      expect(r.span.start.column).toBe(column);
    }
  });
});

describe('parseSdn never throws', () => {
  const run = (config: string, ipam: string): void => {
    const d = new Diagnostics();
    parseSdn({ path: 'c', text: config }, { path: 'i', text: ipam }, d);
    renderAll(d.sorted()); // every span renders
    for (const x of d.list) {
      expect(x.span!.start.offset).toBeGreaterThanOrEqual(0);
      expect(x.span!.end.offset).toBeLessThanOrEqual(x.span!.file.text.length);
    }
  };

  it('on any text', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => run(a, b)),
      { numRuns: 500 },
    );
  });

  it('on any JSON value, and on JSON shaped like the SDN files with any leaves', () => {
    const leaf = fc.oneof(
      fc.jsonValue(),
      fc.constantFrom('10.0.0.1', 'z1', 'fd00::1', 100, '100', [
        'start-address=10.0.0.9,end-address=10.0.0.1',
      ]),
    );
    const key = fc.oneof(
      fc.string(),
      fc.constantFrom('z1', 'vnet', 'zone', 'gateway', 'dhcp-range'),
    );
    const ids = fc.dictionary(key, fc.dictionary(key, leaf));
    const config = fc
      .record({ zones: ids, vnets: ids, subnets: ids })
      .map((o) =>
        JSON.stringify(Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { ids: v }]))),
      );
    fc.assert(
      fc.property(fc.json(), fc.json(), (a, b) => run(a, b)),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(config, config, (a, b) => run(a, b)),
      { numRuns: 300 },
    );
  });
});

describe('fwgen check on SDN files', () => {
  it('knows them by name and reports their errors', async () => {
    const files: Record<string, string> = {
      'pve/sdn/.running-config': '{"vnets": {"ids": {"a": {"zone": "z"},}}}',
      'pve/priv/ipam.db': '{"zones": []}',
    };
    const reader: FileReader = {
      readFile: async (p) => files[p] ?? '',
      readStdin: async () => '',
      glob: async () => [],
      isDirectory: async () => true,
    };
    const targets = Object.keys(files).map((name) => ({
      name,
      target: checkTarget(name, undefined)!,
    }));
    expect(targets.map((t) => t.target)).toEqual([
      { kind: 'sdn', file: 'config' },
      { kind: 'sdn', file: 'ipam' },
    ]);
    const d = await checkFiles(targets, undefined, reader);
    expect(d.sorted().map((x) => `${x.span?.file.path}: ${x.message}`)).toEqual([
      "pve/priv/ipam.db: 'zones' must be a JSON object",
      "pve/sdn/.running-config: invalid JSON: a comma before '}' is not allowed in JSON",
    ]);
  });
});
