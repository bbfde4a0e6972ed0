// doctor's analysis on `nft -j list ruleset` documents made from the hand-written tables in
// rulesets/*.nft (regenerate: unshare -n sh -c 'nft -I . -f X.nft && nft -j list ruleset' > X.json).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnoseHost, type DoctorConfig, type HostFacts } from '../../src/doctor/diagnose-host.js';
import { renderFindings } from '../../src/doctor/render-findings.js';

const doc = (...names: string[]): unknown => ({
  nftables: names.flatMap(
    (n) =>
      (
        JSON.parse(readFileSync(join(import.meta.dirname, 'rulesets', `${n}.json`), 'utf8')) as {
          nftables: unknown[];
        }
      ).nftables,
  ),
});

const facts = (over: Partial<HostFacts> = {}): HostFacts => ({
  ruleset: doc('libvirt'),
  brNetfilter: { loaded: true, callIptables: true, callIp6tables: true },
  ipForward: { v4: true, v6: false },
  bridgeReject: true,
  bridgeConntrack: true,
  activeServices: [],
  iptablesLegacy: [],
  ...over,
});

const config: DoctorConfig = {
  tableName: 'fwgen',
  nics: [{ guest: 'web', device: 'vnet0', bridge: 'virbr0' }],
  serviceBridges: ['virbr0'],
  routedBridges: ['virbr0'],
};

const codes = (f: HostFacts, c: DoctorConfig = config) =>
  diagnoseHost(f, c)
    .map(
      (x) =>
        `${x.severity} ${x.code}` +
        (x.where
          ? ` ${x.where.family} ${x.where.table} ${x.where.chain}` +
            (x.where.handle !== undefined ? `#${x.where.handle}` : '')
          : ''),
    )
    .sort();

describe('diagnoseHost', () => {
  it("leaves libvirt's own table alone", () => {
    expect(codes(facts())).toEqual(['info br-netfilter-on']);
  });

  it("names an admin's default-deny inet filter: forward and input policies drop guest traffic", () => {
    expect(codes(facts({ ruleset: doc('libvirt', 'admin') }))).toEqual([
      'block foreign-forward-drop inet filter forward',
      'block foreign-input-drop inet filter input',
      'info br-netfilter-on',
      'warn foreign-input-policy inet filter input',
    ]);
  });

  it('is satisfied by the documented fix (accept the libvirt bridge, DHCP and DNS)', () => {
    expect(codes(facts({ ruleset: doc('libvirt', 'admin-fixed') }))).toEqual([
      'info br-netfilter-on',
      'warn foreign-input-policy inet filter input',
    ]);
  });

  it("names Docker's FORWARD policy drop and says to use DOCKER-USER", () => {
    const f = diagnoseHost(
      facts({ ruleset: doc('libvirt', 'admin-fixed', 'docker') }),
      config,
    ).filter((x) => x.severity === 'block');
    expect(f.map((x) => x.code)).toEqual(['docker-forward-drop']);
    expect(renderFindings(f)).toBe(
      "block: Docker's table ip filter (iptables-nft): forward chain drops what fwgen accepts, " +
        'by its policy drop: bridged IPv4 traffic of guests on virbr0 (br_netfilter is on); ' +
        'routed traffic from guests on virbr0; replies routed back to guests on virbr0 ' +
        '[docker-forward-drop]\n' +
        '  at: table ip filter, chain FORWARD ' +
        '(type filter hook forward priority 0; policy drop), its policy\n' +
        "  fix: let guest traffic past Docker's FORWARD chain through DOCKER-USER, " +
        'the chain Docker leaves to the admin:\n' +
        '       iptables -I DOCKER-USER -i virbr0 -j ACCEPT\n' +
        '       iptables -I DOCKER-USER -o virbr0 -j ACCEPT\n' +
        '       (same as: nft insert rule ip filter DOCKER-USER iifname "virbr0" accept; ' +
        '… oifname "virbr0" accept); make it\n' +
        '       persistent with a unit ordered After=docker.service; ' +
        "fwgen's bridge table still filters each guest\n" +
        '1 problem blocks fwgen (0 warnings, 0 notes)\n',
    );
    expect(codes(facts({ ruleset: doc('libvirt', 'admin-fixed', 'docker-fixed') }))).not.toContain(
      'block docker-forward-drop ip filter FORWARD',
    );
  });

  it('without br_netfilter, Docker still drops routed (NAT) guest traffic but not bridged traffic', () => {
    const f = diagnoseHost(
      facts({
        ruleset: doc('docker'),
        brNetfilter: { loaded: false, callIptables: null, callIp6tables: null },
      }),
      { ...config, serviceBridges: [] },
    );
    expect(f.find((x) => x.code === 'docker-forward-drop')?.message).toMatch(
      /by its policy drop: routed traffic from guests on virbr0; replies routed back to guests on virbr0$/,
    );
    // a Proxmox-style host: bridged only, br_netfilter off → Docker is harmless
    expect(
      codes(
        facts({
          ruleset: doc('docker'),
          brNetfilter: { loaded: false, callIptables: null, callIp6tables: null },
        }),
        { ...config, serviceBridges: [], routedBridges: [] },
      ),
    ).toEqual(['info br-netfilter-off']);
  });

  it("names firewalld's catch-all reject with its handle", () => {
    const f = diagnoseHost(facts({ ruleset: doc('firewalld') }), config).filter(
      (x) => x.severity === 'block',
    );
    expect(f.map((x) => `${x.code} ${x.where?.chain} ${x.where?.rule}`)).toEqual([
      'firewalld-drop filter_FORWARD reject',
      'firewalld-drop filter_INPUT reject',
    ]);
    expect(f[0]!.fix).toContain(
      'firewall-cmd --permanent --zone=trusted --change-interface=virbr0',
    );
  });

  it('reports kernel, sysctl, service and iptables-legacy facts', () => {
    expect(
      codes(
        facts({
          ipForward: { v4: false, v6: false },
          bridgeReject: false,
          bridgeConntrack: false,
          activeServices: ['pve-firewall'],
          iptablesLegacy: [
            {
              family: 4,
              save: '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n',
            },
            {
              family: 6,
              save: '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -j ACCEPT\nCOMMIT\n',
            },
          ],
        }),
      ),
    ).toEqual([
      'block ip-forward-off',
      'block iptables-legacy-drop',
      'block no-bridge-conntrack',
      'block no-bridge-reject',
      'block other-firewall-active',
      'info br-netfilter-on',
      'warn iptables-legacy-rules',
    ]);
  });

  it('an unreadable ruleset blocks', () => {
    expect(codes(facts({ ruleset: null, rulesetError: 'Operation not permitted' }))).toEqual([
      'block ruleset-unreadable',
      'info br-netfilter-on',
    ]);
  });

  it('a bridge-family table of someone else that drops guest ports', () => {
    const ruleset = {
      nftables: [
        { table: { family: 'bridge', name: 'other', handle: 1 } },
        {
          chain: {
            family: 'bridge',
            table: 'other',
            name: 'fw',
            handle: 1,
            type: 'filter',
            hook: 'forward',
            prio: 0,
            policy: 'drop',
          },
        },
        {
          rule: {
            family: 'bridge',
            table: 'other',
            chain: 'fw',
            handle: 2,
            expr: [
              { match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'eth0' } },
              { accept: null },
            ],
          },
        },
      ],
    };
    expect(codes(facts({ ruleset }))).toContain('block foreign-bridge-drop bridge other fw');
  });
});
