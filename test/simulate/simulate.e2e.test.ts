// Differential test of `fwgen simulate` (issue 15): for each fixture tree whose guests the lab
// topology has (test/netns/lab.sh), random probes are simulated here and sent as real packets in
// the lab (one diff-sender.py run per tree and br_netfilter mode), and the verdicts must agree.
// A disagreement prints the probe, the simulated path and the kernel's verdict.
// FWGEN_SIM_PROBES=N changes the number of probes per tree (default 2000).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OBSERVER } from '../../src/simulate/against-kernel.js';
import { SENDER_PY } from '../../src/simulate/kernel-sender.js';
import { renderText } from '../../src/simulate/render.js';
import { simulate } from '../../src/simulate/simulate.js';
import { REPO } from '../golden/split-tables.js';
import {
  labAvailable,
  labRequired,
  runScenarios,
  ScenarioFile,
  type ScenarioResults,
} from '../netns/lab.js';
import { loadModel, type Model } from './model.js';
import { generateProbes, labNeighbours, simulateRequest, type Probe } from './probes.js';

const avail = labAvailable();
const skip = !avail.ok && !labRequired();
const PORT_NODES = ['outside', 'vm100', 'vm101', 'vm102', 'ct200'];
// sh expands $LAB_PREFIX in the lab
const NODES_ARG = PORT_NODES.map((n) => `${n}=/run/netns/\${LAB_PREFIX}${n}`).join(',');
const COUNT = Number(process.env.FWGEN_SIM_PROBES ?? 2000);
const TREES = ['lab', 'datacenter', 'l2-ips'];
/** Each tree in both br_netfilter modes on the direct plumbing; lab and datacenter also behind
 * qemu-server's firewall bridges (fwbr, with br_netfilter as on a Proxmox node). */
interface Run {
  tree: string;
  brnf: 0 | 1;
  plumbing: 'direct' | 'fwbr';
}
const RUNS: Run[] = [
  ...TREES.flatMap((tree) =>
    [0, 1].map((b) => ({ tree, brnf: b as 0 | 1, plumbing: 'direct' as const })),
  ),
  { tree: 'lab', brnf: 1, plumbing: 'fwbr' },
  { tree: 'datacenter', brnf: 1, plumbing: 'fwbr' },
];
const runId = (x: Run): string =>
  `${x.tree}_b${x.brnf}${x.plumbing === 'direct' ? '' : `_${x.plumbing}`}`;

/** Host namespace setup before a batch: answers must leave (no ICMP rate limit, routes and
 * neighbours for every source address), conntrack starts empty, the observer is loaded. */
function setupScript(probes: readonly Probe[]): string {
  const w = (k: string, v: string | number): string =>
    `[ -e /proc/sys/${k} ] && echo ${v} > /proc/sys/${k}`;
  const neigh = labNeighbours(probes)
    .map((n) => `neigh replace ${n.addr} lladdr ${n.mac} dev vmbr0 nud permanent`)
    .join('\n');
  return [
    w('net/ipv4/icmp_ratelimit', 0),
    w('net/ipv6/icmp/ratelimit', 0),
    w('net/ipv4/icmp_msgs_per_sec', 100000),
    w('net/ipv4/icmp_msgs_burst', 100000),
    w('net/netfilter/nf_conntrack_tcp_be_liberal', 1),
    w('net/ipv4/conf/all/rp_filter', 0),
    w('net/ipv4/conf/vmbr0/rp_filter', 0),
    'ip route replace default via 192.0.2.254 dev vmbr0 onlink',
    'ip -6 route replace default via 2001:db8::254 dev vmbr0 onlink',
    `ip -b - <<'EOF'\n${neigh}\nEOF`,
    'conntrack -F >/dev/null 2>&1',
    'nft delete table inet simobs 2>/dev/null',
    'nft -f obs.nft',
    'true',
  ].join('\n');
}

interface Disagreement {
  tree: string;
  brnf: 0 | 1;
  probe: Probe;
  simulated: string;
  kernel: string;
  path: string;
}

describe.skipIf(skip)('simulate agrees with the kernel (differential, lab)', () => {
  let r: ScenarioResults;
  let dir: string;
  const models = new Map<string, Model>();
  const probesOf = new Map<string, Probe[]>();

  beforeAll(async () => {
    if (!avail.ok) throw new Error(`kernel lab required (CI) but not available: ${avail.reason}`);
    dir = mkdtempSync(join(tmpdir(), 'fwgen-simdiff-'));
    const s = new ScenarioFile();
    writeFileSync(join(dir, 'obs.nft'), OBSERVER);
    writeFileSync(join(dir, 'sender.py'), SENDER_PY);
    const rulesets = new Map<string, string>();
    for (const [i, tree] of TREES.entries()) {
      const model = await loadModel(resolve(REPO, 'fixtures', tree));
      models.set(tree, model);
      const probes = generateProbes(model.script, COUNT, 1500 + i);
      probesOf.set(tree, probes);
      const rs = s.ruleset(`${tree}.nft`, model.text);
      writeFileSync(join(dir, `${tree}.jsonl`), probes.map((p) => JSON.stringify(p)).join('\n'));
      writeFileSync(join(dir, `${tree}-setup.sh`), setupScript(probes));
      rulesets.set(tree, rs);
    }
    for (const run of RUNS) {
      const id = runId(run);
      s.scenario(id, rulesets.get(run.tree)!, { brnf: run.brnf, plumbing: run.plumbing });
      s.exec(`${id}_setup`, 'host', `sh ./${run.tree}-setup.sh`);
      s.exec(
        `${id}_send`,
        'host',
        `python3 -S sender.py ${run.tree}.jsonl --nodes ${NODES_ARG} --wait 2`,
      );
    }
    // --against-kernel inside the lab: its own namespaces, created from the lab's host namespace
    // (whatever scenario ran last: the command builds its own topology)
    const fw = `node ${resolve(REPO, 'bin/fwgen.js')} simulate --root ${resolve(REPO, 'fixtures/lab')}`;
    const args = '--node pve1 --localnet 192.0.2.0/24 --to vm100 --dest 192.0.2.100';
    s.exec('ak_reject', 'host', `${fw} ${args} --dport 23 --against-kernel`);
    s.exec('ak_accept', 'host', `${fw} ${args} --dport 22 --against-kernel`);
    s.exec('ak_drop', 'host', `${fw} ${args} --dport 80 --against-kernel`);
    await s.write(dir);
    r = await runScenarios(dir, { timeoutSec: 1500 });
    const log = process.env.FWGEN_SIM_LOG;
    if (log) writeFileSync(log, r.raw);
  }, 1_800_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('--against-kernel sends the packet and prints both verdicts', () => {
    for (const [id, verdict] of [
      ['ak_reject', 'REJECT'],
      ['ak_accept', 'ACCEPT'],
      ['ak_drop', 'DROP'],
    ] as const) {
      const out = r.out(id).join('\n');
      expect(r.get(id), out).toBe('rc=0');
      expect(out).toContain(`Kernel: ${verdict} `);
      expect(out).toMatch(new RegExp(`, the same\nACTION: ${verdict}$`));
    }
  });

  for (const run of RUNS) {
    const { tree, brnf, plumbing } = run;
    const id = runId(run);
    it(`${tree}, br_netfilter ${brnf}, ${plumbing}: every probe's verdict is the kernel's`, () => {
      expect(r.get(id), r.describe()).toBe('LOADED');
      expect(r.get(`${id}_setup`), r.out(`${id}_setup`).join('\n')).toBe('rc=0');
      const out = r.out(`${id}_send`);
      const kernel = new Map<number, string>();
      for (const l of out) {
        const m = /^RES (\d+) (\w+)$/.exec(l);
        if (m) kernel.set(Number(m[1]), m[2]!);
      }
      const model = models.get(tree)!;
      const probes = probesOf.get(tree)!;
      expect(kernel.size, out.slice(0, 30).join('\n')).toBe(probes.length);
      const bad: Disagreement[] = [];
      const tally: Record<string, number> = {};
      for (const p of probes) {
        const sim = simulate(model.config, model.script, simulateRequest(p, brnf === 1, plumbing));
        const k = kernel.get(p.id)!;
        tally[sim.action] = (tally[sim.action] ?? 0) + 1;
        if (k !== sim.action)
          bad.push({
            tree,
            brnf,
            probe: p,
            simulated: sim.action,
            kernel: k,
            path: renderText(sim, true),
          });
      }
      const report = bad
        .slice(0, 15)
        .map(
          (d) =>
            `--- probe ${JSON.stringify(d.probe)}\nsimulated ${d.simulated}, kernel ${d.kernel}\n${d.path}`,
        )
        .join('\n');
      console.log(
        `${tree} brnf=${brnf} ${plumbing}: ${probes.length} probes, ${probes.length - bad.length} agree ` +
          `(${JSON.stringify(tally)}); lab ${r.durationMs} ms total`,
      );
      expect(bad.length, `${bad.length} disagreements\n${report}`).toBe(0);
    });
  }
});
