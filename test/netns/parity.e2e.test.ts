// pve-firewall parity with real packets (issue 11): the SYN-flood meter, the conntrack helpers and
// the VMID connmark of fixtures/parity, compiled here and loaded in the lab (one boot; every
// packet stays in the namespaces run-scenarios.sh creates). Topology: test/netns/lab.sh.
// Variants of the tree (host.fw options changed in a temporary copy):
//   helpers   nf_conntrack_helpers on, no SYN-flood meter (FTP, connmark)
//   nohelpers neither (FTP must fail; the SYN-burst control)
//   full      fixtures/parity as it is (meter: 1 SYN/s per source, burst 5)
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTree } from './compile-tree.js';
import { REPO } from '../golden/split-tables.js';
import {
  LAB,
  labAvailable,
  labRequired,
  runScenarios,
  ScenarioFile,
  type ScenarioResults,
} from './lab.js';

const avail = labAvailable();
const skip = !avail.ok && !labRequired();
const HP = resolve(REPO, 'test/netns/parity-helper.py');
const TREE = resolve(REPO, 'fixtures/parity');

/** fixtures/parity with host.fw lines matching `drop` removed. */
async function variant(tmp: string, name: string, drop: RegExp): Promise<string> {
  const root = join(tmp, name);
  cpSync(TREE, root, { recursive: true });
  const hostFw = join(root, 'nodes/pve1/host.fw');
  const text = readFileSync(hostFw, 'utf8')
    .split('\n')
    .filter((l) => !drop.test(l))
    .join('\n');
  writeFileSync(hostFw, text);
  return compileTree(root);
}

const { host, vm100, vm101 } = LAB;
const py = (args: string): string => `python3 ${HP} ${args}`;

describe.skipIf(skip)('pve-firewall parity, real packets (fixtures/parity)', () => {
  let r: ScenarioResults;
  let dir: string;
  let tmp: string;
  /** The single output line of an exec step. */
  const out = (id: string): string => {
    expect(r.get(id), r.out(id).join('\n')).toBe('rc=0');
    return r.out(id).join(' ').trim();
  };

  beforeAll(async () => {
    if (!avail.ok) throw new Error(`kernel lab required (CI) but not available: ${avail.reason}`);
    dir = mkdtempSync(join(tmpdir(), 'fwgen-parity-'));
    tmp = mkdtempSync(join(tmpdir(), 'fwgen-parity-trees-'));
    const s = new ScenarioFile();
    const full = s.ruleset('full.nft', await compileTree(TREE));
    const helpers = s.ruleset('helpers.nft', await variant(tmp, 'helpers', /^protection_synflood/));
    const none = s.ruleset(
      'nohelpers.nft',
      await variant(tmp, 'nohelpers', /^(protection_synflood|nf_conntrack_helpers)/),
    );

    // FTP: the rules admit port 21 only; the passive data connection (port 50000) can pass only
    // as RELATED, i.e. when the ftp helper watched the control connection.
    for (const brnf of [0, 1] as const) {
      s.scenario(`helpers_b${brnf}`, helpers, { brnf });
      if (brnf === 0)
        s.exec(
          'ftp_servers',
          'host',
          `${py(`ftp-serve ${host.ip4}`)} >/dev/null 2>&1 & ` +
            `ip netns exec fwlab-vm100 ${py(`ftp-serve ${vm100.ip4}`)} >/dev/null 2>&1 & sleep 3`,
        );
      s.exec(`ftp_host_on_b${brnf}`, 'outside', py(`ftp-pasv ${host.ip4}`));
      s.exec(`ftp_vm_on_b${brnf}`, 'outside', py(`ftp-pasv ${vm100.ip4}`));
    }
    // connmark: flows of vm100 and vm101 and one of the host; delete vm100's by mark.
    s.scenario('connmark', helpers, { brnf: 0 });
    s.exec('ct_flush', 'host', 'conntrack -F 2>/dev/null; true');
    s.probe('cm_vm100_tcp', 'outside', 'tcp', vm100.ip4, 22)
      .probe('cm_vm100_udp', 'outside', 'udp', vm100.ip4, 53)
      .probe('cm_vm101_tcp', 'outside', 'tcp', vm101.ip4, 22)
      .probe('cm_host_tcp', 'outside', 'tcp', host.ip4, 22);
    const count = (m: number): string => `$(conntrack -L --mark ${m} 2>/dev/null | wc -l)`;
    s.exec('ct_before', 'host', `echo m100=${count(100)} m101=${count(101)} m0=${count(0)}`);
    s.exec('ct_list', 'host', 'conntrack -L 2>/dev/null');
    s.exec('ct_delete', 'host', 'conntrack -D --mark 100 >/dev/null 2>&1; true');
    s.exec('ct_after', 'host', `echo m100=${count(100)} m101=${count(101)} m0=${count(0)}`);

    s.scenario('nohelpers', none, { brnf: 0 });
    s.exec('ftp_host_off', 'outside', py(`ftp-pasv ${host.ip4}`));
    s.exec('ftp_vm_off', 'outside', py(`ftp-pasv ${vm100.ip4}`));
    // control: without the meter a burst of 30 SYNs from one source all connect
    s.exec('burst_control', 'outside', py(`synburst ${host.ip4} 22 30`));

    // SYN flood, host (inet) and guest (bridge); the scenario reloads the ruleset, so each part
    // starts with empty meters.
    s.scenario('synflood_host', full, { brnf: 0 });
    // Frames to the host cross vmbr0, so the bridge table's meter would limit them first: without
    // it, this shows the inet table's meter alone.
    s.exec('sf_host_inet_only', 'host', 'nft delete table bridge fwgen');
    s.exec('sf_host_flooder', 'outside', py(`synburst ${host.ip4} 22 30`));
    s.exec('sf_host_other', 'vm101', py(`synburst ${host.ip4} 22 3`));
    s.exec('sf_host_set', 'host', 'nft list set inet fwgen synflood_v4');
    s.scenario('synflood_guest', full, { brnf: 0 });
    s.exec('sf_vm_flooder', 'outside', py(`synburst ${vm100.ip4} 22 30`));
    s.exec('sf_vm_other', 'vm101', py(`synburst ${vm100.ip4} 22 3`));
    s.exec('sf_vm_set', 'host', 'nft list set bridge fwgen synflood_v4');
    await s.write(dir);
    r = await runScenarios(dir, { timeoutSec: 900 });
    // The raw lab output (RESULT/OUT lines) for a report: FWGEN_PARITY_LOG=<file>.
    const log = process.env.FWGEN_PARITY_LOG;
    if (log) writeFileSync(log, r.raw);
  }, 1_200_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('loads every variant', () => {
    for (const id of [
      'helpers_b0',
      'helpers_b1',
      'connmark',
      'nohelpers',
      'synflood_host',
      'synflood_guest',
    ])
      expect(r.get(id), r.out(id).join('\n')).toBe('LOADED');
    expect(out('sf_host_inet_only')).toBe('');
  });

  it('FTP passive data is RELATED with `nf_conntrack_helpers: ftp` (host and guest, with and without br_netfilter)', () => {
    for (const b of [0, 1]) {
      expect(out(`ftp_host_on_b${b}`)).toBe('DATA_OK');
      expect(out(`ftp_vm_on_b${b}`)).toBe('DATA_OK');
    }
  });

  it('and blocked without it, while the control connection (port 21) still works', () => {
    expect(out('ftp_host_off')).toBe('TIMEOUT');
    expect(out('ftp_vm_off')).toBe('TIMEOUT');
  });

  it('connmark: a guest flow carries its vmid; deleting by mark removes only that guest', () => {
    expect(r.get('cm_vm100_tcp')).toBe('OPEN');
    expect(r.get('cm_vm100_udp')).toBe('REPLY');
    expect(r.get('cm_vm101_tcp')).toBe('OPEN');
    expect(r.get('cm_host_tcp')).toBe('OPEN');
    const fields = (id: string): Record<string, number> =>
      Object.fromEntries([...out(id).matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
    const before = fields('ct_before');
    const after = fields('ct_after');
    const why = `${r.out('ct_list').join('\n')}\nbefore ${out('ct_before')} after ${out('ct_after')}`;
    expect(before.m100, why).toBeGreaterThanOrEqual(2);
    expect(before.m101, why).toBeGreaterThanOrEqual(1);
    expect(before.m0, why).toBeGreaterThanOrEqual(1);
    expect(after.m100, why).toBe(0);
    expect(after.m101, why).toBe(before.m101);
    expect(after.m0, why).toBe(before.m0);
  });

  /** `connected=K` of a synburst step. */
  const connected = (id: string): number => {
    const m = /connected=(\d+)/.exec(out(id));
    if (!m) throw new Error(`${id}: ${out(id)}`);
    return Number(m[1]);
  };

  it('control: without the meter a burst of 30 SYNs from one source all connect', () => {
    expect(connected('burst_control')).toBe(30);
  });

  it('SYN flood, host: the flooding source is cut to about its burst, a second source connects', () => {
    const n = connected('sf_host_flooder');
    expect(n).toBeGreaterThanOrEqual(4);
    expect(n).toBeLessThanOrEqual(10);
    expect(connected('sf_host_other')).toBe(3);
    expect(out('sf_host_set')).toMatch(/192\.0\.2\.254 (expires|limit)/);
  });

  it('SYN flood, guest: the same for traffic to a bridged guest', () => {
    const n = connected('sf_vm_flooder');
    expect(n).toBeGreaterThanOrEqual(4);
    expect(n).toBeLessThanOrEqual(10);
    expect(connected('sf_vm_other')).toBe(3);
    expect(out('sf_vm_set')).toMatch(/192\.0\.2\.254/);
  });
});
