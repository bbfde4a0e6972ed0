// IPS (NFQUEUE) and pve-firewall's layer-2 filter with real frames, in a kernel like a Proxmox
// host's: fixtures/l2-ips (cluster ebtables on) and fixtures/l2-ips-noebt (ebtables: 0) compiled
// on the host; the lab boots once; everything runs in namespaces run-scenarios.sh creates.
// vm100: layer2_protocols ARP,88b5 and an ipfilter set (ARP source filter); vm101: ips with
// queues 0:3. The NFQUEUE reader is test/kernel-lab/facts/nfq-count.c, built in the lab.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTree } from './compile-tree.js';
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
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NFQ_SRC = join(REPO, 'test/kernel-lab/facts/nfq-count.c');
const SEND = `python3 -S ${join(REPO, 'test/kernel-lab/facts/parity-helper.py')}`;
const SNIFF = `python3 -S ${join(REPO, 'test/netns/l2-ips-helper.py')}`;

const { outside, vm100, vm101 } = LAB;

/** One exec in the lab host namespace: sniff at outside while vm100 sends `sends`, print counts. */
function l2Exchange(sends: string[]): string {
  // Python starts slowly under TCG (about a second per send): a wide window, sends after 2 s.
  const secs = 4 + 2 * sends.length;
  const ns = (n: string) => `ip netns exec \${LAB_PREFIX}${n}`;
  return [
    `${ns('outside')} ${SNIFF} sniff eth0 ${secs} ${vm100.mac} > sniff.out & sleep 2`,
    ...sends.map((s) => `${ns('vm100')} ${SEND} ${s} > /dev/null`),
    'wait',
    'cat sniff.out',
  ].join('; ');
}

describe.skipIf(skip)('IPS and layer-2 filter, real packets', () => {
  let r: ScenarioResults;
  let dir: string;

  beforeAll(async () => {
    if (!avail.ok) throw new Error(`kernel lab required (CI) but not available: ${avail.reason}`);
    dir = mkdtempSync(join(tmpdir(), 'fwgen-l2ips-'));
    const s = new ScenarioFile();
    const ebt = s.ruleset('ebt.nft', await compileTree('fixtures/l2-ips'));
    const noebt = s.ruleset('noebt.nft', await compileTree('fixtures/l2-ips-noebt'));
    const frames = [
      `frame eth0 ${outside.mac} ${vm100.mac} 0800 - 5`,
      `frame eth0 ${outside.mac} ${vm100.mac} 88b5 - 5`,
      `frame eth0 ${outside.mac} ${vm100.mac} 88b6 - 5`,
      `frame eth0 ${outside.mac} ${vm100.mac} 0800 10 5`,
    ];
    const arps = {
      genuine: `arp eth0 ${vm100.mac} ${vm100.mac} ${vm100.ip4} 192.0.2.77 3`,
      spoofIp: `arp eth0 ${vm100.mac} ${vm100.mac} 192.0.2.150 192.0.2.77 3`,
      spoofMac: `arp eth0 ${vm100.mac} 02:de:ad:00:00:01 ${vm100.ip4} 192.0.2.77 3`,
    };

    s.scenario('ebt', ebt);
    s.exec('nfq_build', 'host', `gcc -O2 -o nfq-count ${NFQ_SRC} -lnetfilter_queue && echo built`);
    // IPS without a reader: bypass lets the connection through.
    s.probe('ips_noreader', 'outside', 'tcp', vm101.ip4, 22);
    s.exec(
      'nfq_start',
      'host',
      './nfq-count 0 3 > nfq.out 2>&1 & echo $! > nfq.pid; sleep 1; head -1 nfq.out',
    );
    s.probe('ips_reader', 'outside', 'tcp', vm101.ip4, 22);
    // Not an IPS guest: none of its packets reach the reader. (Counted by destination: vm101's
    // own IPv6 neighbour discovery is queued too and may arrive at any time.)
    s.exec('nfq_mid', 'host', `sleep 2; grep -c '^nfq [0-9]* [0-9]* ${vm101.ip4}$' nfq.out`);
    s.probe('noips_reader', 'outside', 'tcp', vm100.ip4, 22);
    s.exec(
      'nfq_stop',
      'host',
      `sleep 2; grep -c '^nfq [0-9]* [0-9]* ${vm100.ip4}$' nfq.out; kill $(cat nfq.pid); ` +
        'awk \'/^nfq [0-9]/{print "queue", $2}\' nfq.out | sort -u',
    );
    s.exec('ebt_frames', 'host', l2Exchange(frames));
    for (const [k, a] of Object.entries(arps)) s.exec(`ebt_arp_${k}`, 'host', l2Exchange([a]));

    s.scenario('noebt', noebt);
    s.probe('noebt_ips_noreader', 'outside', 'tcp', vm101.ip4, 22);
    s.exec('noebt_frames', 'host', l2Exchange(frames));
    for (const [k, a] of Object.entries(arps)) s.exec(`noebt_arp_${k}`, 'host', l2Exchange([a]));

    await s.write(dir);
    r = await runScenarios(dir, { timeoutSec: 900 });
  }, 1_200_000);

  afterAll(() => {
    // L2IPS_DUMP=FILE keeps the raw lab output for a look at the counts.
    if (process.env.L2IPS_DUMP && r) writeFileSync(process.env.L2IPS_DUMP, r.raw);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** `0800=5 8100=0 …` of one exec's output. */
  const counts = (id: string): Record<string, number> => {
    const o: Record<string, number> = {};
    for (const m of r
      .out(id)
      .join(' ')
      .matchAll(/(\w+)=(\d+)/g))
      o[m[1]!] = Number(m[2]);
    return o;
  };

  it('both rulesets load', () => {
    expect(r.get('ebt'), r.describe()).toBe('LOADED');
    expect(r.get('noebt'), r.describe()).toBe('LOADED');
  });

  it('ips: without a reader, bypass lets accepted traffic through', () => {
    expect(r.get('ips_noreader')).toBe('OPEN');
    expect(r.get('noebt_ips_noreader')).toBe('OPEN');
  });

  it('ips: a reader on queues 0-3 gets the accepted inbound packets and accepts them', () => {
    expect(r.get('nfq_build'), r.out('nfq_build').join('\n')).toBe('rc=0');
    expect(r.out('nfq_start')).toContain('nfq ready 0-3');
    expect(r.get('ips_reader')).toBe('OPEN');
    // vm101's connection went through the reader.
    expect(Number(r.out('nfq_mid')[0])).toBeGreaterThan(0);
    // vm100 has no ips: its connection is not queued.
    expect(r.get('noips_reader')).toBe('OPEN');
    expect(Number(r.out('nfq_stop')[0])).toBe(0);
  });

  it('layer2_protocols: a listed ethertype passes, an unlisted one and VLAN-tagged frames are dropped, IPv4 always passes', () => {
    expect(counts('ebt_frames')).toMatchObject({ '0800': 5, '88b5': 5, '88b6': 0, '8100': 0 });
  });

  it('ARP source filter: genuine ARP passes, a foreign sender IP or sender MAC is dropped', () => {
    expect(counts('ebt_arp_genuine')).toMatchObject({ arp77: 3 });
    expect(counts('ebt_arp_spoofIp')).toMatchObject({ arp77: 0 });
    expect(counts('ebt_arp_spoofMac')).toMatchObject({ arp77: 0 });
  });

  it('ebtables: 0 turns the layer-2 filter off: every ethertype and spoofed ARP pass', () => {
    expect(counts('noebt_frames')).toMatchObject({ '0800': 5, '88b5': 5, '88b6': 5, '8100': 5 });
    expect(counts('noebt_arp_genuine')).toMatchObject({ arp77: 3 });
    expect(counts('noebt_arp_spoofIp')).toMatchObject({ arp77: 3 });
    expect(counts('noebt_arp_spoofMac')).toMatchObject({ arp77: 3 });
  });
});
