// Issue 14 with real packets: host FORWARD rules and VNet firewalls (fixtures/forward). The lab
// (test/netns/lab.sh) gets a routed network for these tests: namespace ${LAB_PREFIX}net2 at
// 198.51.100.2 behind the node's eth1 (198.51.100.1), the node forwarding between eth1 and vmbr0.
// Every namespace lives inside the lab (run-scenarios.sh); net2 is removed by the exec that
// built it. Routed traffic is judged by the host FORWARD rules and policy_forward in both
// br_netfilter modes; bridged guest traffic is not judged by them a second time (the bridged
// mark, vnet-chains.ts), also behind firewall bridges (fwbr), where a guest's own routed traffic
// must still be judged. The VNet blocks load the same tree plus a VNet file for the lab bridge
// (a VNet's bridge is named like the VNet; vmbr0.fw is vnet0.fw under that name), direct and
// behind firewall bridges.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
const { outside, vm100, vm101, host } = LAB;
const NET2 = '198.51.100.2';

// Blocks that share a plumbing are adjacent: another plumbing rebuilds the whole topology.
const routed = (['direct', 'fwbr'] as const).flatMap((pl: Plumbing) =>
  ([1, 0] as const).map((brnf) => ({ pl, brnf, p: `r_${pl}_b${brnf}_` })),
);
const vnet = (['direct', 'fwbr'] as const).flatMap((pl: Plumbing) =>
  ([1, 0] as const).map((brnf) => ({ pl, brnf, p: `v_${pl}_b${brnf}_` })),
);

// One exec per block: a namespace that `ip netns add` creates inside `ip netns exec` is visible
// in that exec's mount namespace only, so net2 is built, probed and removed by one shell.
const NET2_DOWN =
  'pids=$(ip netns pids ${LAB_PREFIX}net2 2>/dev/null); [ -n "$pids" ] && kill $pids; ' +
  'ip netns del ${LAB_PREFIX}net2 2>/dev/null; ip link del eth1 2>/dev/null; true';
const VIA_NODE = 'ip route replace 198.51.100.0/24 via 192.0.2.1';
const NET2_UP =
  `trap '${NET2_DOWN}' EXIT; ${NET2_DOWN}; rm -f net2.ready; set -e; ` +
  'ip netns add ${LAB_PREFIX}net2; ' +
  'ip link add eth1 type veth peer name eth0 netns ${LAB_PREFIX}net2; ' +
  'ip addr add 198.51.100.1/24 dev eth1; ip link set eth1 up; ' +
  'ip -n ${LAB_PREFIX}net2 link set lo up; ip -n ${LAB_PREFIX}net2 link set eth0 up; ' +
  `ip -n \${LAB_PREFIX}net2 addr add ${NET2}/24 dev eth0; ` +
  'ip -n ${LAB_PREFIX}net2 route add default via 198.51.100.1; ' +
  'echo 1 > /proc/sys/net/ipv4/ip_forward; ' +
  `ip netns exec \${LAB_PREFIX}outside ${VIA_NODE}; ip netns exec \${LAB_PREFIX}vm100 ${VIA_NODE}; ` +
  'python3 -S $PROBE serve --netns ${LAB_PREFIX}net2 --tcp 22,80 --udp 53 --ready-file net2.ready ' +
  '>/dev/null 2>&1 & ' +
  'for i in $(seq 100); do [ -e net2.ready ] && break; sleep 0.1; done; test -e net2.ready; ' +
  'set +e';

/** net2 up, then probes from namespaces outside LAB_NODES (net2) through probe.py batch, then net2
 * down: each line `SUBID NODE HOST PORT` (tcp); results come back as OUT lines `RESULT SUBID
 * STATUS`. */
function routedExec(lines: [string, string, string, number][]): string {
  const body = lines.map(([id, ns, h, port]) => `${id} \${LAB_PREFIX}${ns} tcp ${h} ${port}`);
  return (
    `${NET2_UP}; printf '%s\\n' ${body.map((l) => `"${l}"`).join(' ')} | ` +
    'python3 -S $PROBE batch --timeout 2'
  );
}

describe.skipIf(skip)('FORWARD rules and VNet firewalls, real packets', () => {
  let r: ScenarioResults;
  let dir: string;
  let treeDir: string;

  beforeAll(async () => {
    if (!avail.ok) throw new Error(`kernel lab required (CI) but not available: ${avail.reason}`);
    dir = mkdtempSync(join(tmpdir(), 'fwgen-fwd-e2e-'));
    treeDir = mkdtempSync(join(tmpdir(), 'fwgen-fwd-tree-'));
    const s = new ScenarioFile();
    const text = await compileTree('fixtures/forward');
    const fwd = s.ruleset('forward.nft', text);
    cpSync('fixtures/forward', treeDir, { recursive: true });
    writeFileSync(
      join(treeDir, 'sdn/firewall/vmbr0.fw'),
      readFileSync('fixtures/forward/sdn/firewall/vnet0.fw', 'utf8'),
    );
    const withVnet = s.ruleset('vnet.nft', await compileTree(treeDir));
    // `--format json` of the same tree: the kernel accepts it too (nft -j -c, nothing loaded).
    const json = s.ruleset(
      'forward.json',
      await compileTree('fixtures/forward', ['--format', 'json']),
    );

    const routedBlock = (p: string): void => {
      s.exec(
        `${p}routed`,
        'host',
        routedExec([
          ['web', 'net2', outside.ip4, 80],
          ['group443', 'net2', outside.ip4, 443],
          ['policy22', 'net2', outside.ip4, 22],
          ['host_drop9001', 'net2', outside.ip4, 9001],
          ['ipset9002', 'net2', outside.ip4, 9002],
          ['into_vm100_80', 'net2', vm100.ip4, 80],
          ['into_vm100_22', 'net2', vm100.ip4, 22],
          ['vm100_out22', 'vm100', NET2, 22],
          ['vm100_out80', 'vm100', NET2, 80],
        ]),
      );
      s.probe(`${p}bridged_unfiltered`, 'vm102', 'tcp', outside.ip4, 22)
        .probe(`${p}bridged_g2g`, 'vm101', 'tcp', vm100.ip4, 22)
        .probe(`${p}bridged_guest_in_policy`, 'vm101', 'tcp', vm100.ip4, 9000)
        .probe(`${p}bridged_guest_out_drop`, 'vm100', 'tcp', vm101.ip4, 9005)
        .probe(`${p}host_mgmt`, 'outside', 'tcp', host.ip4, 8006);
    };
    // Controls: the same tree without the bridged mark, and without its clearing, so the tests
    // above can tell the mechanism works (they fail without it).
    const noMark = text.replace(/^ *meta mark set meta mark \| 536870912 .*\n/m, '');
    const noClear = text.replace(/\n {2}chain bridged_clear \{[^}]*\}\n/, '\n');
    if (noMark === text || noClear === text) throw new Error('controls: nothing removed');
    const ctlNoMark = s.ruleset('ctl-nomark.nft', noMark);
    const ctlNoClear = s.ruleset('ctl-noclear.nft', noClear);

    // fixtures/datacenter gained a forward chain and the bridged mark with this issue.
    s.scenario(
      'datacenter_load',
      s.ruleset('datacenter.nft', readFileSync('fixtures/datacenter/expected.nft', 'utf8')),
    );
    for (const { pl, brnf, p } of routed.filter((b) => b.pl === 'direct')) {
      s.scenario(`${p}load`, fwd, { brnf, plumbing: pl });
      routedBlock(p);
    }
    s.scenario('ctl_nomark_load', ctlNoMark, { brnf: 1, plumbing: 'direct' });
    s.probe('ctl_nomark_bridged', 'vm102', 'tcp', outside.ip4, 22);
    const vnetBlock = (p: string): void => {
      s.probe(`${p}g2g22`, 'vm101', 'tcp', vm100.ip4, 22)
        .probe(`${p}g2g_group80`, 'vm101', 'tcp', vm100.ip4, 80)
        .probe(`${p}g2g_drop9001`, 'vm101', 'tcp', vm100.ip4, 9001)
        .probe(`${p}g2g_guest_in9002`, 'vm101', 'tcp', vm100.ip4, 9002)
        .probe(`${p}g2g_policy443`, 'vm100', 'tcp', vm101.ip4, 443)
        .probe(`${p}g2g_accept9004`, 'vm100', 'tcp', vm101.ip4, 9004)
        .probe(`${p}g2g_guest_out9005`, 'vm100', 'tcp', vm101.ip4, 9005)
        .probe(`${p}unfiltered_policy443`, 'vm102', 'tcp', outside.ip4, 443)
        .probe(`${p}unfiltered22`, 'vm102', 'tcp', outside.ip4, 22)
        .probe(`${p}host_in22`, 'outside', 'tcp', host.ip4, 22)
        .probe(`${p}host_in_policy8006`, 'outside', 'tcp', host.ip4, 8006)
        .probe(`${p}host_out9003`, 'host', 'tcp', outside.ip4, 9003)
        .probe(`${p}host_out_policy443`, 'host', 'tcp', outside.ip4, 443);
    };
    for (const { pl, brnf, p } of vnet.filter((b) => b.pl === 'direct')) {
      s.scenario(`${p}load`, withVnet, { brnf, plumbing: pl });
      if (brnf === 1) s.exec('json_check', 'host', `nft -j -c -f ${json}`);
      vnetBlock(p);
    }
    for (const { pl, brnf, p } of routed.filter((b) => b.pl === 'fwbr')) {
      s.scenario(`${p}load`, fwd, { brnf, plumbing: pl });
      routedBlock(p);
    }
    for (const { pl, brnf, p } of vnet.filter((b) => b.pl === 'fwbr')) {
      s.scenario(`${p}load`, withVnet, { brnf, plumbing: pl });
      vnetBlock(p);
    }
    s.scenario('ctl_noclear_load', ctlNoClear, { brnf: 1, plumbing: 'fwbr' });
    s.exec('ctl_noclear_routed', 'host', routedExec([['vm100_out80', 'vm100', NET2, 80]]));
    await s.write(dir);
    r = await runScenarios(dir, { timeoutSec: 900 });
  }, 1_200_000);

  afterAll(() => {
    for (const d of [dir, treeDir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it('runs on a kernel with meta ibrname and bridge conntrack', () => {
    expect(r.features).toMatchObject({ bridge_ct: true, ibrname: true });
  });

  it('the datacenter golden (FORWARD rule, bridged mark) loads', () => {
    expect(r.get('datacenter_load'), r.out('datacenter_load').join('\n')).toBe('LOADED');
  });

  it('the JSON form of the ruleset is accepted by nft -j -c', () => {
    expect(r.get('json_check'), r.out('json_check').join('\n')).toBe('rc=0');
  });

  for (const { pl, brnf, p } of routed) {
    const res = (id: string) => r.get(`${p}${id}`);
    /** The batch's result for one sub-probe. */
    const sub = (id: string): string => {
      const line = r.out(`${p}routed`).find((l) => l.startsWith(`RESULT ${id} `));
      if (line === undefined) throw new Error(`no ${id} in ${p}routed\n${r.describe()}`);
      return line.split(' ')[2]!;
    };
    describe(`routed, ${pl}, bridge-nf-call-iptables=${brnf}`, () => {
      it('loads and routes', () => {
        expect(res('load')).toBe('LOADED');
        expect(res('routed'), r.out(`${p}routed`).join('\n')).toBe('rc=0');
      });
      it('host and cluster FORWARD rules accept, in order (host first), group included', () => {
        expect(sub('web')).toBe('OPEN');
        expect(sub('group443')).toBe('OPEN');
        expect(sub('ipset9002')).toBe('OPEN');
        expect(sub('host_drop9001')).toBe('TIMEOUT');
      });
      it('policy_forward DROP drops the rest, also into a filtered guest', () => {
        expect(sub('policy22')).toBe('TIMEOUT');
        expect(sub('into_vm100_80')).toBe('OPEN');
        expect(sub('into_vm100_22')).toBe('TIMEOUT');
      });
      it("a filtered guest's own routed traffic is judged (fwbr: the bridged mark is cleared)", () => {
        expect(sub('vm100_out22')).toBe('OPEN');
        expect(sub('vm100_out80')).toBe('TIMEOUT');
      });
      it('bridged traffic is not judged by the host FORWARD policy; guest rules still are', () => {
        expect(res('bridged_unfiltered')).toBe('OPEN');
        expect(res('bridged_g2g')).toBe('OPEN');
        expect(res('bridged_guest_in_policy')).toBe('TIMEOUT');
        expect(res('bridged_guest_out_drop')).toBe('TIMEOUT');
      });
      it('host input untouched by the forward chain', () => {
        expect(res('host_mgmt')).toBe('OPEN');
      });
    });
  }

  it('controls: without the bridged mark, br_netfilter shows bridged traffic to the policy', () => {
    expect(r.get('ctl_nomark_load')).toBe('LOADED');
    expect(r.get('ctl_nomark_bridged')).toBe('TIMEOUT');
  });

  it("controls: without clearing the mark, a guest's routed traffic behind fwbr escapes", () => {
    expect(r.get('ctl_noclear_load')).toBe('LOADED');
    expect(r.out('ctl_noclear_routed')).toContain('RESULT vm100_out80 OPEN');
  });

  for (const { pl, brnf, p } of vnet) {
    const res = (id: string) => r.get(`${p}${id}`);
    describe(`VNet vmbr0, ${pl}, bridge-nf-call-iptables=${brnf}`, () => {
      it('loads', () => expect(res('load')).toBe('LOADED'));
      it("guest to guest: the VNet's rules and group accept and drop", () => {
        expect(res('g2g22')).toBe('OPEN');
        expect(res('g2g_group80')).toBe('OPEN');
        expect(res('g2g_drop9001')).toBe('TIMEOUT');
        expect(res('g2g_accept9004')).toBe('OPEN');
      });
      it("guest to guest: the VNet's policy DROP", () => {
        expect(res('g2g_policy443')).toBe('TIMEOUT');
        expect(res('unfiltered_policy443')).toBe('TIMEOUT');
        expect(res('unfiltered22')).toBe('OPEN');
      });
      it('guest IN and OUT rules still apply after the VNet accepts', () => {
        expect(res('g2g_guest_in9002')).toBe('TIMEOUT');
        expect(res('g2g_guest_out9005')).toBe('TIMEOUT');
      });
      it('host <-> VNet: the VNet judges it too, then the host rules', () => {
        expect(res('host_in22')).toBe('OPEN');
        expect(res('host_in_policy8006')).toBe('TIMEOUT');
        expect(res('host_out9003')).toBe('OPEN');
        expect(res('host_out_policy443')).toBe('TIMEOUT');
      });
    });
  }
});
