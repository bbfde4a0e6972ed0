// `fwgen simulate --against-kernel`: the simulated packet sent for real. Builds a throw-away
// topology named like a Proxmox node (a host namespace with the bridge, e.g. vmbr0, and the
// packet's ports, e.g. eth0 and tap100i0, each the end of a veth into its own namespace), loads
// the ruleset there, sends the packet with SENDER_PY and removes every namespace it made. Never
// loads rules into, or sends from, the namespace it runs in. Needs root, ip, nft and python3.
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SENDER_PY } from './kernel-sender.js';
import type { HostAddrs } from './packet.js';
import type { SimulateResult, Verdict } from './simulate.js';
import { OUTSIDE, ZoneError } from './simulate.js';

export interface KernelVerdict {
  action: Verdict;
  detail: string;
}

/** Observer on the host: which probes got past every input chain (fwgen's run at priority 0);
 * only packets with the probe's marker count (other packets may carry the same IP id). Shared
 * with the differential lab test. */
export const OBSERVER = `table inet simobs {
  set seen4 { typeof ip id; flags dynamic; size 65535; }
  set seen6 { typeof ip6 flowlabel; flags dynamic; size 65535; }
  chain in {
    type filter hook input priority 1000; policy accept;
    meta l4proto tcp @th,160,32 0x4657534d goto seen
    meta l4proto udp @th,64,32 0x4657534d goto seen
    meta l4proto { icmp, icmpv6 } @th,64,32 0x4657534d goto seen
    meta l4proto { igmp, gre } @th,32,32 0x4657534d goto seen
  }
  chain seen {
    meta nfproto ipv4 add @seen4 { ip id }
    meta nfproto ipv6 add @seen6 { ip6 flowlabel }
  }
}
`;

export async function againstKernel(
  ruleset: string,
  r: SimulateResult,
  host: HostAddrs,
  topo: { plumbing: string; brNetfilter: boolean; hostMac: string },
): Promise<KernelVerdict> {
  if (process.getuid?.() !== 0) throw new ZoneError('--against-kernel needs root');
  if (topo.plumbing !== 'direct')
    throw new ZoneError('--against-kernel builds the direct plumbing only');
  const P = `fwsim${process.pid % 100000}-`;
  const bridge = r.from.bridge ?? r.to.bridge ?? 'vmbr0';
  const ports: { node: 'src' | 'dst'; port: string; mac: string }[] = [];
  if (r.from.kind === 'port')
    ports.push({ node: 'src', port: r.from.port!, mac: r.from.mac ?? OUTSIDE.mac });
  if (r.to.kind === 'port')
    ports.push({ node: 'dst', port: r.to.port!, mac: r.to.mac ?? OUTSIDE.mac });
  if (ports.length === 2 && ports[0]!.port === ports[1]!.port)
    throw new ZoneError('--against-kernel needs two different ports');
  const { hostMac } = topo;
  const nss = [`${P}host`, ...ports.map((p) => `${P}${p.node}`)];
  const dir = await mkdtemp(join(tmpdir(), 'fwgen-simulate-'));
  const sh = (script: string): Promise<unknown> => execa('sh', ['-ec', script], { cwd: dir });
  try {
    await execa('ip', ['-b', '-'], { input: nss.map((n) => `netns add ${n}`).join('\n') });
    const hostBatch = [
      'link set lo up',
      `link add ${bridge} address ${hostMac} type bridge stp_state 0 forward_delay 0`,
    ];
    for (const p of ports) {
      const ns = `${P}${p.node}`;
      await execa('ip', ['-n', ns, '-b', '-'], {
        input: [
          'link set lo up',
          `link add eth0 address ${p.mac} type veth peer name ${p.port} netns ${P}host`,
          'link set eth0 up',
        ].join('\n'),
      });
      hostBatch.push(`link set ${p.port} master ${bridge} up`);
    }
    hostBatch.push(`link set ${bridge} up`);
    for (const a of host.addrs)
      hostBatch.push(`addr add ${a.addr}/${a.len} dev ${bridge}${a.family === 6 ? ' nodad' : ''}`);
    // answers to any source leave through the bridge, to the sender's MAC
    hostBatch.push(`route replace default dev ${bridge}`, `route replace ::/0 dev ${bridge}`);
    const pkt = r.packet;
    if (r.from.kind === 'port')
      hostBatch.push(
        `neigh replace ${pkt.saddr} lladdr ${ports[0]!.mac} dev ${bridge} nud permanent`,
      );
    if (r.from.kind === 'host' && r.to.kind === 'port')
      hostBatch.push(`neigh replace ${pkt.daddr} lladdr ${pkt.dmac} dev ${bridge} nud permanent`);
    await execa('ip', ['-n', `${P}host`, '-b', '-'], { input: hostBatch.join('\n') });

    const w = (k: string, v: number): string =>
      `[ -e /proc/sys/${k} ] && echo ${v} > /proc/sys/${k} || true`;
    const brnf = '/proc/sys/net/bridge/bridge-nf-call-iptables';
    await writeFile(join(dir, 'rules.nft'), ruleset);
    await writeFile(join(dir, 'obs.nft'), OBSERVER);
    await writeFile(join(dir, 'sender.py'), SENDER_PY);
    await writeFile(
      join(dir, 'probe.jsonl'),
      `${JSON.stringify({
        id: 1,
        src: r.from.kind === 'host' ? 'host' : 'src',
        dst: r.to.kind === 'host' ? 'host' : 'dst',
        family: pkt.family,
        proto: pkt.proto,
        saddr: pkt.saddr,
        daddr: pkt.daddr,
        sport: pkt.sport,
        dport: pkt.dport,
        icmp_type: pkt.icmpType,
        icmp_code: pkt.icmpCode,
        smac: pkt.smac,
        dmac: pkt.dmac,
        est: pkt.ct === 'established',
      })}\n`,
    );
    const inHost = `ip netns exec ${P}host`;
    await sh(
      [
        `${inHost} sh -c '${w('net/ipv4/icmp_ratelimit', 0)}; ${w('net/ipv6/icmp/ratelimit', 0)}; ` +
          `${w('net/netfilter/nf_conntrack_tcp_be_liberal', 1)}'`,
        `if [ -e ${brnf} ]; then ${inHost} sh -c 'for f in iptables ip6tables; do ` +
          `echo ${topo.brNetfilter ? 1 : 0} > /proc/sys/net/bridge/bridge-nf-call-$f; done'; ` +
          (topo.brNetfilter ? 'else echo "br_netfilter is not loaded" >&2; exit 1; fi' : 'fi'),
        `${inHost} nft -f rules.nft`,
        `${inHost} nft -f obs.nft`,
      ].join('\n'),
    );
    const nodes = ports.map((p) => `${p.node}=/run/netns/${P}${p.node}`).join(',');
    const out = await execa(
      'ip',
      [
        'netns',
        'exec',
        `${P}host`,
        'python3',
        '-S',
        'sender.py',
        'probe.jsonl',
        '--nodes',
        nodes,
        '--host-dev',
        bridge,
        '--wait',
        '1',
      ],
      { cwd: dir, reject: false },
    );
    const m = /^RES 1 (ACCEPT|DROP|REJECT)$/m.exec(String(out.stdout));
    if (m === null) throw new Error(`the kernel probe failed: ${String(out.stderr).trim()}`);
    const action = m[1] as Verdict;
    const detail =
      action === 'ACCEPT'
        ? `arrived at ${r.to.zone}`
        : action === 'REJECT'
          ? 'an RST or ICMP unreachable came back'
          : 'nothing arrived, nothing came back';
    return { action, detail };
  } finally {
    await execa('ip', ['-b', '-'], {
      input: nss.map((n) => `netns del ${n}`).join('\n'),
      reject: false,
    });
    await rm(dir, { recursive: true, force: true });
  }
}
