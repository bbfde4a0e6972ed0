// gatherFacts: the side-effect layer of `fwgen doctor`: reads the live system (nft -j list ruleset,
// /proc/sys, `nft -c` feature probes, systemctl, iptables-legacy-save). Changes nothing: `nft -c`
// checks a batch in the kernel and aborts it (docs/reference.md §nft-check-mode). Missing tools
// give null facts.
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import type { HostFacts } from './diagnose-host.js';

export interface GatherOptions {
  env?: Record<string, string | undefined>;
  /** default /proc/sys */
  procSys?: string;
}

const PROBE_REJECT =
  'table bridge fwgen_doctor_probe {\n chain p {\n' +
  '  type filter hook prerouting priority -150; policy accept;\n' +
  '  tcp dport 1 reject with tcp reset\n }\n}\n';
const PROBE_CT =
  'table bridge fwgen_doctor_probe {\n chain p {\n' +
  '  type filter hook prerouting priority -150; policy accept;\n' +
  '  ct state established accept\n }\n}\n';

export async function gatherFacts(opts: GatherOptions = {}): Promise<HostFacts> {
  const env = { ...opts.env, LC_ALL: 'C' };
  const nft = opts.env?.FWGEN_NFT ?? 'nft';
  const sys = opts.procSys ?? '/proc/sys';
  const run = (cmd: string, args: string[], input?: string) =>
    execa(cmd, args, { reject: false, env, input, timeout: 20_000 });
  const flag = async (p: string): Promise<boolean | null> => {
    const t = await readFile(`${sys}/${p}`, 'utf8').catch(() => null);
    return t === null ? null : t.trim() === '1';
  };

  const listing = await run(nft, ['-j', 'list', 'ruleset']);
  let ruleset: unknown = null;
  let rulesetError: string | undefined;
  if (listing.failed)
    rulesetError = String(listing.stderr || listing.shortMessage)
      .trim()
      .split('\n')[0];
  else {
    try {
      ruleset = JSON.parse(String(listing.stdout) || '{"nftables":[]}');
    } catch {
      rulesetError = 'nft -j printed no JSON';
    }
  }
  const probe = async (text: string): Promise<boolean | null> => {
    const r = await run(nft, ['-c', '-f', '-'], text);
    if (r.code === 'ENOENT') return null;
    return r.exitCode === 0;
  };
  const callIptables = await flag('net/bridge/bridge-nf-call-iptables');
  const activeServices: string[] = [];
  for (const unit of ['pve-firewall', 'proxmox-firewall']) {
    // stdout, not the exit code: without a running systemd (containers, chroots) codes vary.
    const r = await run('systemctl', ['is-active', `${unit}.service`]);
    if (String(r.stdout).trim() === 'active') activeServices.push(unit);
  }
  const iptablesLegacy: HostFacts['iptablesLegacy'] = [];
  for (const [family, tool] of [
    [4, 'iptables-legacy-save'],
    [6, 'ip6tables-legacy-save'],
  ] as const) {
    const r = await run(tool, []);
    if (r.exitCode === 0) iptablesLegacy.push({ family, save: String(r.stdout) });
  }
  return {
    ruleset,
    ...(rulesetError === undefined ? {} : { rulesetError }),
    brNetfilter: {
      loaded: callIptables !== null,
      callIptables,
      callIp6tables: await flag('net/bridge/bridge-nf-call-ip6tables'),
    },
    ipForward: {
      v4: await flag('net/ipv4/ip_forward'),
      v6: await flag('net/ipv6/conf/all/forwarding'),
    },
    bridgeReject: await probe(PROBE_REJECT),
    bridgeConntrack: await probe(PROBE_CT),
    activeServices,
    iptablesLegacy,
  };
}
