// Proves the netns lab harness itself (kernel-lab / run-scenarios.sh / probe.py / lab.ts) with a
// hand-written bridge ruleset in the style of docs/reference.md §nft-reject-design: REJECT in
// bridge prerouting only for frames unicast to the guest MAC, DROP-only copy in postrouting, plus
// ct state. One lab boot for the whole file. Skips only when the lab cannot run; in CI it fails
// instead.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LAB,
  ScenarioFile,
  labAvailable,
  labRequired,
  runScenarios,
  type ScenarioResults,
} from './lab.js';

const avail = labAvailable();

const RULESET = `add table bridge labtest
delete table bridge labtest
table bridge labtest {
  map in_pre {
    type ether_addr : verdict
    elements = { ${LAB.vm100.mac} : jump g100_in_pre }
  }
  map in_post {
    typeof oifname : verdict
    elements = { "tap100i0" : jump g100_in_post }
  }
  chain prerouting {
    type filter hook prerouting priority -150; policy accept;
    ether daddr vmap @in_pre
  }
  chain postrouting {
    type filter hook postrouting priority -150; policy accept;
    oifname vmap @in_post
  }
  chain g100_in_pre {
    iifname "tap100i0" return
    tcp dport 22 return
    tcp dport 23 counter reject with tcp reset
    udp dport 161 counter reject
  }
  chain g100_in_post {
    ether type arp accept
    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-advert } accept
    ct state established,related accept
    ct state invalid counter drop
    tcp dport 22 ct state new accept
    udp dport 53 accept
    tcp dport 23 counter drop
    udp dport 161 counter drop
    counter drop
  }
}
`;

describe.skipIf(!avail.ok && !labRequired())(`netns lab harness (${avail.mode})`, () => {
  let dir: string;
  let r: ScenarioResults;

  beforeAll(async () => {
    if (!avail.ok) throw new Error(`netns lab required (CI) but not available: ${avail.reason}`);
    dir = await mkdtemp(join(tmpdir(), 'fwgen-harness-'));
    const s = new ScenarioFile();
    const rs = s.ruleset('labtest.nft', RULESET);
    const vm = LAB.vm100;
    s.scenario('fact2', rs, { brnf: 0 })
      .probe('allowed', 'outside', 'tcp', vm.ip4, 22)
      .probe('allowed6', 'outside', 'tcp', vm.ip6, 22)
      .probe('rejected', 'outside', 'tcp', vm.ip4, 23)
      .probe('rejected6', 'outside', 'tcp', vm.ip6, 23)
      .probe('rejected_from_vm101', 'vm101', 'tcp', vm.ip4, 23)
      .probe('dropped', 'outside', 'tcp', vm.ip4, 80)
      .probe('udp_allowed', 'outside', 'udp', vm.ip4, 53)
      .probe('udp_rejected', 'outside', 'udp', vm.ip4, 161)
      .probe('udp_dropped', 'outside', 'udp', vm.ip4, 123)
      .probe('host_rejected_port', 'host', 'tcp', vm.ip4, 23)
      .probe('outside_to_host', 'outside', 'tcp', LAB.host.ip4, 8006)
      .probe('vm101_unfiltered', 'outside', 'tcp', LAB.vm101.ip4, 80)
      .flood('flood_unknown', 'outside', '02:00:00:00:99:99', vm.ip4, 23)
      .flood('unicast_frame', 'outside', 'vm100', vm.ip4, 23)
      .exec('counters', 'host', 'nft list chain bridge labtest g100_in_post')
      .exec('delete', 'host', 'nft delete table bridge labtest && nft list tables')
      .probe('after_delete', 'outside', 'tcp', vm.ip4, 80)
      .scenario('brnf_noop', null, { brnf: 1 })
      .probe('brnf_open', 'outside', 'tcp', vm.ip4, 23)
      .dhcp('dhcp_to_host', 'vm101', 'host');
    await s.write(dir);
    r = await runScenarios(dir, { timeoutSec: 300 });
    console.log(`lab ${r.mode} kernel=${r.kernel} ${r.durationMs} ms`);
  }, 360_000);

  afterAll(async () => {
    if (process.env.FWGEN_LAB_KEEP) console.log(`kept ${dir}`);
    else if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs under a kernel with bridge reject and bridge conntrack', () => {
    expect(r.errors, r.describe()).toEqual([]);
    expect(r.features, r.describe()).toMatchObject({
      bridge_reject: true,
      bridge_ct: true,
      ibrname: true,
    });
    expect(r.get('fact2')).toBe('LOADED');
  });

  it('allowed port is OPEN (IPv4 and IPv6)', () => {
    expect(r.get('allowed'), r.describe()).toBe('OPEN');
    expect(r.get('allowed6'), r.describe()).toBe('OPEN');
  });

  it('unicast to a rejected port is REFUSED (also from another guest, also IPv6)', () => {
    expect(r.get('rejected'), r.describe()).toBe('REFUSED');
    expect(r.get('rejected6'), r.describe()).toBe('REFUSED');
    expect(r.get('rejected_from_vm101'), r.describe()).toBe('REFUSED');
    expect(r.get('udp_rejected'), r.describe()).toBe('REFUSED');
  });

  it('a dropped port TIMEOUTs; host-originated traffic to a rejected port is dropped, not rejected', () => {
    expect(r.get('dropped'), r.describe()).toBe('TIMEOUT');
    expect(r.get('udp_dropped'), r.describe()).toBe('TIMEOUT');
    expect(r.get('host_rejected_port'), r.describe()).toBe('TIMEOUT');
    expect(r.get('udp_allowed'), r.describe()).toBe('REPLY');
    expect(r.get('vm101_unfiltered'), r.describe()).toBe('OPEN');
  });

  it('a flooded frame to the rejected port gets no RST and never reaches the guest', () => {
    const f = r.fields('flood_unknown');
    expect(f, r.describe()).toMatchObject({ rst: 0, syn_vm100: 0, syn_vm101: 1 });
    const u = r.fields('unicast_frame');
    expect(u, r.describe()).toMatchObject({ rst: 1, syn_vm100: 0, syn_vm101: 0 });
    // the flooded copy was dropped in postrouting (the count also includes host_rejected_port's SYNs)
    expect(r.out('counters').join('\n'), r.describe()).toMatch(
      /tcp dport 23 counter packets [1-9]\d* /,
    );
  });

  it('outside -> host tcp works', () => {
    expect(r.get('outside_to_host'), r.describe()).toBe('OPEN');
  });

  it('the table can be deleted and traffic flows again', () => {
    expect(r.get('delete'), r.describe()).toBe('rc=0');
    expect(r.out('delete'), r.describe()).toEqual([]);
    expect(r.get('after_delete'), r.describe()).toBe('OPEN');
  });

  it('a second scenario reuses the lab (no rules, br_netfilter on) and DHCP broadcasts reach the host', () => {
    expect(r.get('brnf_noop')).toBe('LOADED');
    expect(r.get('brnf_open'), r.describe()).toBe('OPEN');
    expect(r.get('dhcp_to_host'), r.describe()).toMatch(/^GOT 0\.0\.0\.0:68$/);
  });
});
