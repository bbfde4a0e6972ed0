// SDN ipsets with real packets: fixtures/sdn-lab compiled on the host, loaded in the lab (the
// kernel lab's namespaces, test/netns/lab.sh). The lab subnet is VNet 'lab' with the outside node
// as its gateway, vm101 has IPAM addresses, the DHCP range is .101-.102: each +sdn/ set must let
// exactly its addresses through, in the host table (cluster rule) and the guest table (vm100).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTree } from './compile-tree.js';
import {
  LAB,
  labAvailable,
  labRequired,
  runScenarios,
  ScenarioFile,
  type LabNode,
  type ScenarioResults,
} from './lab.js';

const avail = labAvailable();
const skip = !avail.ok && !labRequired();

const { host, vm100 } = LAB;

/** [id, from, destination address, port, expected] */
type Probe = [string, LabNode, string, number, 'OPEN' | 'TIMEOUT'];

const HOST_PROBES: Probe[] = [
  // cluster.fw: IN ACCEPT -source +sdn/lab-gateway -p tcp -dport 9005 (policy_in DROP)
  ['host_gateway4', 'outside', host.ip4, 9005, 'OPEN'],
  ['host_gateway6', 'outside', host.ip6, 9005, 'OPEN'],
  ['host_guest4', 'vm102', host.ip4, 9005, 'TIMEOUT'],
  ['host_guest6', 'vm102', host.ip6, 9005, 'TIMEOUT'],
];

const GUEST_PROBES: Probe[] = [
  // 100.fw: IN ACCEPT -source +sdn/lab-gateway -p tcp -dport 22
  ['gateway4', 'outside', vm100.ip4, 22, 'OPEN'],
  ['gateway6', 'outside', vm100.ip6, 22, 'OPEN'],
  ['gateway_not4', 'vm102', vm100.ip4, 22, 'TIMEOUT'],
  ['gateway_not6', 'vm101', vm100.ip6, 22, 'TIMEOUT'],
  // IN ACCEPT -source +sdn/guest-ipam-101 -p tcp -dport 80
  ['ipam4', 'vm101', vm100.ip4, 80, 'OPEN'],
  ['ipam6', 'vm101', vm100.ip6, 80, 'OPEN'],
  ['ipam_not4', 'vm102', vm100.ip4, 80, 'TIMEOUT'],
  ['ipam_not6', 'outside', vm100.ip6, 80, 'TIMEOUT'],
  // IN ACCEPT -source +sdn/lab-no-gateway -p tcp -dport 443: the subnet but its gateway
  ['nogw4', 'vm102', vm100.ip4, 443, 'OPEN'],
  ['nogw6', 'vm102', vm100.ip6, 443, 'OPEN'],
  ['nogw_gateway4', 'outside', vm100.ip4, 443, 'TIMEOUT'],
  ['nogw_gateway6', 'outside', vm100.ip6, 443, 'TIMEOUT'],
  // IN ACCEPT -source +sdn/lab-dhcp -p tcp -dport 8080: the range .101-.102 (::101-::102)
  ['dhcp4', 'vm101', vm100.ip4, 8080, 'OPEN'],
  ['dhcp6', 'vm102', vm100.ip6, 8080, 'OPEN'],
  ['dhcp_not4', 'ct200', vm100.ip4, 8080, 'TIMEOUT'],
  ['dhcp_not6', 'outside', vm100.ip6, 8080, 'TIMEOUT'],
];

describe.skipIf(skip)('SDN ipsets, real packets', () => {
  let r: ScenarioResults;
  let dir: string;

  beforeAll(async () => {
    if (!avail.ok) throw new Error(`kernel lab required (CI) but not available: ${avail.reason}`);
    dir = mkdtempSync(join(tmpdir(), 'fwgen-sdn-'));
    const s = new ScenarioFile();
    s.scenario('sdn', s.ruleset('sdn.nft', await compileTree('fixtures/sdn-lab')));
    for (const [id, from, to, port] of [...HOST_PROBES, ...GUEST_PROBES])
      s.probe(id, from, 'tcp', to, port);
    await s.write(dir);
    r = await runScenarios(dir, { timeoutSec: 600 });
  }, 900_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the ruleset loads', () => {
    expect(r.get('sdn'), r.describe()).toBe('LOADED');
  });

  it('host table: +sdn/lab-gateway lets the gateway in and nothing else, both families', () => {
    const got = Object.fromEntries(HOST_PROBES.map(([id]) => [id, r.get(id)]));
    expect(got).toEqual(Object.fromEntries(HOST_PROBES.map(([id, , , , want]) => [id, want])));
  });

  it('guest table: -gateway, guest-ipam-<vmid>, -no-gateway and -dhcp match their addresses only', () => {
    const got = Object.fromEntries(GUEST_PROBES.map(([id]) => [id, r.get(id)]));
    expect(got).toEqual(Object.fromEntries(GUEST_PROBES.map(([id, , , , want]) => [id, want])));
  });
});
