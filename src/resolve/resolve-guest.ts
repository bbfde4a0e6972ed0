// A guest: its NICs from the VM/CT config, its options, rules and ipfilter sets.
import type { Diagnostics } from '../diag/diagnostic.js';
import type * as ast from '../syntax/ast.js';
import { ethertypeNumber } from '../data/ethertypes.js';
import { parseCidrText } from './check-address.js';
import { parseIpsQueues } from './check-guest-l2-ips.js';
import type { Definitions } from './collect-definitions.js';
import { optionReader, type OptionValues } from './check-options.js';
import { buildIpSet, type SetEntry } from './resolve-ipsets.js';
import type * as ir from './ir.js';
import type { Scope } from './scope.js';

export function guestOptions(values: OptionValues<'guest'>): ir.GuestOptions {
  const o = optionReader(values, 'guest');
  return {
    enable: o<boolean>('enable'),
    policyIn: o<ir.Policy>('policy_in'),
    policyOut: o<ir.Policy>('policy_out'),
    logLevelIn: o<number | null>('log_level_in'),
    logLevelOut: o<number | null>('log_level_out'),
    macfilter: o<boolean>('macfilter'),
    dhcp: o<boolean>('dhcp'),
    ndp: o<boolean>('ndp'),
    radv: o<boolean>('radv'),
    ipfilter: o<boolean>('ipfilter'),
    // pve-firewall generate_nfqueue: no ips_queues = queue 0.
    ips: o<boolean>('ips') ? (parseIpsQueues(o<string | null>('ips_queues') ?? '0') ?? null) : null,
    layer2Protocols: (() => {
      const v = o<string[] | null>('layer2_protocols');
      if (!Array.isArray(v)) return null;
      const numbers = v.map((e) => ethertypeNumber(e)).filter((n) => n !== undefined);
      return [...new Set(numbers)].sort((a, b) => a - b);
    })(),
  };
}

/** pve-firewall mac_to_linklocal: EUI-64 from the MAC (universal/local bit flipped). */
function linkLocalOf(mac: string): string {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  b[0] = b[0]! ^ 0x02;
  const h = (x: number, y: number) => ((x << 8) | y).toString(16);
  return `fe80::${h(b[0]!, b[1]!)}:${h(b[2]!, 0xff)}:${h(0xfe, b[3]!)}:${h(b[4]!, b[5]!)}`;
}

function staticAddress(v: ast.Located<string> | null): string | null {
  if (!v) return null;
  const addr = v.value.split('/')[0] ?? '';
  return parseCidrText(addr) ? addr : null; // dhcp, manual, auto: no static address
}

export function resolveNics(
  vmid: number,
  type: 'qemu' | 'lxc',
  conf: ast.GuestConf,
  options: ir.GuestOptions,
  defs: Definitions | null,
  scope: Scope,
  diags: Diagnostics,
): ir.Nic[] {
  const prefix = type === 'qemu' ? 'tap' : 'veth';
  const nics: ir.Nic[] = [];
  for (const n of conf.nics) {
    const index = n.index.value;
    const device = n.device ?? `${prefix}${vmid}i${index}`;
    if (Buffer.byteLength(device) > 15) {
      // Linux names are at most 15 bytes: Proxmox could not create this device either.
      diags.error(
        'nic-name-too-long',
        n.index.span,
        `net${index} of guest ${vmid} would be device '${device}', longer than the kernel's 15 bytes`,
      );
      continue;
    }
    const mac = n.mac ? n.mac.value.toLowerCase() : null;
    const nic: ir.Nic = {
      index,
      device,
      mac,
      bridge: n.bridge?.value ?? null,
      firewall: n.firewall,
      vlan: n.tag?.value ?? null,
      ip: type === 'lxc' ? staticAddress(n.ip) : null,
      ip6: type === 'lxc' ? staticAddress(n.ip6) : null,
      ipfilter: null,
      origin: n.span,
    };
    // ipfilter (pve-firewall compile_ipsets): an explicit ipfilter-netN set is enforced even with
    // `ipfilter: 0`; the implicit entries are added to explicit and implicit sets alike.
    const explicit = defs?.ipsets.get(`ipfilter-net${index}`);
    if (explicit || options.ipfilter) {
      const entries: SetEntry[] = explicit ? [...scope.ipsets.entries(explicit, scope)] : [];
      if (mac)
        entries.push({ cidr: { family: 6, addr: linkLocalOf(mac), len: 128 }, nomatch: false });
      entries.push({ cidr: { family: 6, addr: 'fe80::', len: 10 }, nomatch: true });
      for (const a of [nic.ip, nic.ip6]) {
        const c = a ? parseCidrText(a) : undefined;
        if (c) entries.push({ cidr: c, nomatch: false });
      }
      nic.ipfilter = buildIpSet({
        key: `guest-${vmid}/ipfilter-net${index}`,
        scope: 'guest',
        vmid,
        name: `ipfilter-net${index}`,
        comment: explicit?.comment?.value ?? null,
        origin: explicit?.name.span ?? null,
        entries,
      });
    }
    nics.push(nic);
  }
  return nics;
}
