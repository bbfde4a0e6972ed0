// libvirt inventory: fixtures/libvirt (domain XML in persistent and running forms) → guests,
// diagnostics and a compiled ruleset.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compile.js';
import { renderAll } from '../../src/diag/render.js';
import { loadInventory } from '../../src/load/load-inventory.js';
import { guestIds } from '../../src/libvirt/guest-ids.js';

const flags = {
  inventory: 'libvirt' as const,
  libvirtXml: 'fixtures/libvirt/xml',
  configDir: 'fixtures/libvirt/etc',
};

describe('libvirt inventory', () => {
  it('maps running interfaces to NICs with their real tap names', async () => {
    const inv = await loadInventory(flags, 'kvm1');
    const ids = guestIds(['db', 'headless', 'macvtap', 'web']);
    expect(inv.guests).toEqual([
      {
        name: 'db',
        vmid: ids.get('db'),
        running: false,
        nics: [{ index: 0, device: 'vm-db0', bridge: 'br0', mac: '52:54:00:ab:cd:01' }],
      },
      { name: 'headless', vmid: ids.get('headless'), running: true, nics: [] },
      { name: 'macvtap', vmid: ids.get('macvtap'), running: true, nics: [] },
      {
        name: 'web',
        vmid: ids.get('web'),
        running: true,
        nics: [{ index: 0, device: 'vnet0', bridge: 'virbr0', mac: '52:54:00:12:34:56' }],
      },
    ]);
    expect(inv.serviceBridges).toEqual(['virbr0']);
    expect(inv.routedBridges).toEqual(['virbr0']);
    expect(inv.diagnostics.map((d) => `${d.code}: ${d.message}`)).toEqual([
      'unknown-domain: fixtures/libvirt/etc/guests/ghost.fw: ' +
        "no libvirt domain named 'ghost': the file is not used",
      "libvirt-no-device: interface 1 of domain 'db' has no target device " +
        '(the domain is not running): it is filtered once it runs and fwgen applies again',
      "libvirt-direct-interface: interface 0 of domain 'macvtap' " +
        "is a direct (macvtap) interface on 'eno1': " +
        'its traffic passes no bridge, so fwgen cannot filter it; ' +
        'attach it to a bridge or a libvirt network instead',
    ]);
    expect(
      renderAll(inv.diagnostics.filter((d) => d.code === 'libvirt-direct-interface')),
    ).toContain('fixtures/libvirt/xml/macvtap.xml:6:5: warning:');
  });

  it('compiles: chains per synthetic id, dispatch on vnet0, dnsmasq allowances on virbr0', async () => {
    const inv = await loadInventory(flags, 'kvm1');
    const r = compile(inv.sources, {
      format: 'nft',
      localNetwork: [],
      now: 1_800_000_000,
      serviceBridges: inv.serviceBridges,
    });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const text = r.ruleset as string;
    const web = guestIds(['db', 'headless', 'macvtap', 'web']).get('web');
    expect(text).toContain(`"vnet0" : jump g${web}_net0_out`);
    expect(text).toContain('"vm-db0"');
    expect(text).not.toContain('macvtap0');
    expect(text).toContain(
      'iifname "virbr0" udp sport 68 udp dport 67 accept comment "libvirt dhcp"',
    );
    expect(text).toMatch(/iifname "virbr0" meta l4proto \{ tcp, udp \} th dport 53 accept/);
  });

  it('without --libvirt-services off, no allowances', async () => {
    const inv = await loadInventory({ ...flags, libvirtServices: false }, 'kvm1');
    expect(inv.serviceBridges).toEqual([]);
  });
});

describe('guestIds', () => {
  it('is stable per name, whatever else exists', () => {
    const a = guestIds(['web', 'db']);
    const b = guestIds(['web', 'zz', 'aa', 'mail']);
    expect(a.get('web')).toBe(b.get('web'));
    for (const id of b.values()) expect(id).toBeGreaterThanOrEqual(10_000_000);
    expect(new Set(b.values()).size).toBe(4);
  });
});
