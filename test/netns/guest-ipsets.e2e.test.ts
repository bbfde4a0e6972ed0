// Guest ipsets with real packets (issue 13: they live in table-wide sets keyed by port or MAC,
// guest-ipsets.ts). fixtures/guest-ipsets on the lab topology (lab.sh), with vm101's port renamed
// tap101i0 → tap100i1 after the load: that namespace is then guest 100's second NIC (MAC
// bc:24:11:00:01:01). Guest 100's ipset `peers` (the subnet minus the outside host, nomatch
// entries in both families) is looked up by `oifname` (IN), `ether daddr` (IN REJECT in
// prerouting) and its `nomail` by `iifname` (OUT); ct200 has another `peers` (the outside host
// only) in the same table-wide set; small lists in guest rules are one rule per element
// (expand-lists.ts). Direct and fwbr plumbings (fwbr: the MAC dispatch runs on two
// bridges).
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
  type Plumbing,
  type ScenarioResults,
} from './lab.js';

const avail = labAvailable();
const skip = !avail.ok && !labRequired();

const { outside, vm100, vm101, ct200 } = LAB;
/** vm101's namespace after the rename: guest 100, net1. */
const net1 = vm101;
const plumbings: Plumbing[] = ['direct', 'fwbr'];

// Down, rename, up, then wait until the port forwards again (stp off, forward delay 0).
const RENAME =
  'ip link set tap101i0 down && ip link set tap101i0 name tap100i1 && ip link set tap100i1 up && ' +
  'for i in $(seq 50); do bridge link show dev tap100i1 | grep -q forwarding && break; sleep 0.1; done; ' +
  'bridge link show dev tap100i1 | grep -o "state [a-z]*"';

describe.skipIf(skip)('guest ipsets in table-wide sets, real packets', () => {
  let r: ScenarioResults;
  let dir: string;

  beforeAll(async () => {
    if (!avail.ok) throw new Error(`kernel lab required (CI) but not available: ${avail.reason}`);
    dir = mkdtempSync(join(tmpdir(), 'fwgen-gipsets-'));
    const s = new ScenarioFile();
    const rules = s.ruleset('gipsets.nft', await compileTree('fixtures/guest-ipsets'));
    for (const pl of plumbings) {
      const p = `${pl}_`;
      s.scenario(`${p}load`, rules, { plumbing: pl, fresh: true });
      s.exec(`${p}rename`, 'host', RENAME);
      // IN, oifname . ip saddr: a peer is accepted, the nomatch entry is not (both families, both NICs)
      s.probe(`${p}in22_peer`, 'ct200', 'tcp', vm100.ip4, 22)
        .probe(`${p}in22_nomatch`, 'outside', 'tcp', vm100.ip4, 22)
        .probe(`${p}in22_peer_v6`, 'ct200', 'tcp', vm100.ip6, 22)
        .probe(`${p}in22_nomatch_v6`, 'outside', 'tcp', vm100.ip6, 22)
        .probe(`${p}net1_in22_peer`, 'vm102', 'tcp', net1.ip4, 22)
        .probe(`${p}net1_in22_nomatch`, 'outside', 'tcp', net1.ip4, 22)
        .probe(`${p}net1_in22_peer_v6`, 'ct200', 'tcp', net1.ip6, 22)
        .probe(`${p}net1_in22_nomatch_v6`, 'outside', 'tcp', net1.ip6, 22);
      // IN REJECT, ether daddr . ip saddr in <nic>_in_pre: a peer gets a reset, the rest the policy
      s.probe(`${p}in23_peer`, 'ct200', 'tcp', vm100.ip4, 23)
        .probe(`${p}in23_nomatch`, 'outside', 'tcp', vm100.ip4, 23)
        .probe(`${p}in23_peer_v6`, 'ct200', 'tcp', vm100.ip6, 23)
        .probe(`${p}in23_nomatch_v6`, 'outside', 'tcp', vm100.ip6, 23)
        .probe(`${p}net1_in23_peer`, 'vm102', 'tcp', net1.ip4, 23)
        .probe(`${p}net1_in23_nomatch`, 'outside', 'tcp', net1.ip4, 23);
      // `-i net1`: only net1's port is in the set for this rule
      s.probe(`${p}net1_in8080`, 'ct200', 'tcp', net1.ip4, 8080).probe(
        `${p}net0_in8080`,
        'ct200',
        'tcp',
        vm100.ip4,
        8080,
      );
      // OUT, iifname . ip daddr: REJECT to ct200 from either NIC, others pass
      s.probe(`${p}out9001_set`, 'vm100', 'tcp', ct200.ip4, 9001)
        .probe(`${p}out9001_set_v6`, 'vm100', 'tcp', ct200.ip6, 9001)
        .probe(`${p}out9001_other`, 'vm100', 'tcp', outside.ip4, 9001)
        .probe(`${p}net1_out9001_set`, 'vm101', 'tcp', ct200.ip4, 9001)
        .probe(`${p}out9001_control`, 'vm102', 'tcp', ct200.ip4, 9001);
      // small lists written out as one rule per element (expand-lists.ts)
      s.probe(`${p}list_in_9003`, 'vm102', 'tcp', ct200.ip4, 9003)
        .probe(`${p}list_in_9002`, 'vm102', 'tcp', ct200.ip4, 9002)
        .probe(`${p}list_out_9005_other`, 'vm100', 'tcp', ct200.ip4, 9005)
        .probe(`${p}list_out_9005_outside`, 'vm100', 'tcp', outside.ip4, 9005)
        .probe(`${p}list_out_9005_vm102`, 'vm100', 'tcp', LAB.vm102.ip4, 9005);
      // ct200's own `peers` (the outside host only), same table-wide set
      s.probe(`${p}ct200_peer`, 'outside', 'tcp', ct200.ip4, 22)
        .probe(`${p}ct200_peer_v6`, 'outside', 'tcp', ct200.ip6, 22)
        .probe(`${p}ct200_not_peer`, 'vm100', 'tcp', ct200.ip4, 22)
        .probe(`${p}ct200_not_peer_v6`, 'vm102', 'tcp', ct200.ip6, 22);
    }
    await s.write(dir);
    r = await runScenarios(dir, { timeoutSec: 900 });
  }, 1_200_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const pl of plumbings) {
    const res = (id: string) => r.get(`${pl}_${id}`);
    describe(pl, () => {
      it('loads, and vm101’s port becomes tap100i1', () => {
        expect(res('load'), r.describe()).toBe('LOADED');
        expect(res('rename')).toBe('rc=0');
        expect(r.out(`${pl}_rename`)).toEqual(['state forwarding']);
      });
      it('IN: a member passes, a nomatch entry does not, IPv4 and IPv6, both NICs', () => {
        expect(res('in22_peer')).toBe('OPEN');
        expect(res('in22_nomatch')).toBe('TIMEOUT');
        expect(res('in22_peer_v6')).toBe('OPEN');
        expect(res('in22_nomatch_v6')).toBe('TIMEOUT');
        expect(res('net1_in22_peer')).toBe('OPEN');
        expect(res('net1_in22_nomatch')).toBe('TIMEOUT');
        expect(res('net1_in22_peer_v6')).toBe('OPEN');
        expect(res('net1_in22_nomatch_v6')).toBe('TIMEOUT');
      });
      it('IN REJECT (prerouting, by destination MAC): a member is refused, the rest dropped', () => {
        expect(res('in23_peer')).toBe('REFUSED');
        expect(res('in23_nomatch')).toBe('TIMEOUT');
        expect(res('in23_peer_v6')).toBe('REFUSED');
        expect(res('in23_nomatch_v6')).toBe('TIMEOUT');
        expect(res('net1_in23_peer')).toBe('REFUSED');
        expect(res('net1_in23_nomatch')).toBe('TIMEOUT');
      });
      it('a rule restricted to net1 matches on net1 only', () => {
        expect(res('net1_in8080')).toBe('OPEN');
        expect(res('net0_in8080')).toBe('TIMEOUT');
      });
      it('OUT: the destination set rejects from both NICs, both families; others pass', () => {
        expect(res('out9001_set')).toBe('REFUSED');
        expect(res('out9001_set_v6')).toBe('REFUSED');
        expect(res('out9001_other')).toBe('OPEN');
        expect(res('net1_out9001_set')).toBe('REFUSED');
        expect(res('out9001_control')).toBe('OPEN');
      });
      it('small lists, one rule per element: every element matches, nothing else', () => {
        expect(res('list_in_9003')).toBe('OPEN');
        expect(res('list_in_9002')).toBe('TIMEOUT');
        expect(res('list_out_9005_other')).toBe('OPEN');
        expect(res('list_out_9005_outside')).toBe('TIMEOUT');
        expect(res('list_out_9005_vm102')).toBe('TIMEOUT');
      });
      it('another guest’s ipset of the same name keeps its own content', () => {
        expect(res('ct200_peer')).toBe('OPEN');
        expect(res('ct200_peer_v6')).toBe('OPEN');
        expect(res('ct200_not_peer')).toBe('TIMEOUT');
        expect(res('ct200_not_peer_v6')).toBe('TIMEOUT');
      });
    });
  }
});
