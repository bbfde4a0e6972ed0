// `+sdn/<name>` → ir.IpSet from the SDN inventory, the sets proxmox-ve-rs generates
// (sdn/config.rs SdnConfig::ipsets, sdn/ipam.rs Ipam::ipsets): per VNet `<vnet>-all` (subnets),
// `-gateway` (gateways), `-no-gateway` (subnets minus gateways), `-dhcp` (DHCP ranges); per guest
// `guest-ipam-<vmid>` (its IPAM addresses). A name that names nothing says why, for the error.
// docs/reference.md §pve-sdn-ipsets; fwgen's choices: docs/decisions.md "SDN ipsets".
import type { SdnInventory, SdnRange, SdnVnet } from './input.js';
import type { Cidr, IpFamily, IpSet } from './ir.js';
import { buildIpSet, type SetEntry } from './set-entries.js';

export type SdnLookup =
  /** `empty`: why the set has no address at all (a reference to it never matches), else null. */
  | { kind: 'set'; set: IpSet; empty: string | null }
  /** `why`: what is missing, for the `unknown ipset` message. */
  | { kind: 'missing'; why: string }
  /** No SDN inventory (checking files without a tree): nothing can be said. */
  | { kind: 'unknown' };

type VnetSetKind = 'all' | 'gateway' | 'no-gateway' | 'dhcp';

// Case-insensitive, as fwgen matches every ipset name (docs/decisions.md).
const VNET_SET = /^([A-Za-z][A-Za-z0-9]*)-(all|gateway|no-gateway|dhcp)$/i;
const IPAM_SET = /^guest-ipam-(\d+)$/i;

/** Whether SDN could define a set of this name (to judge unscoped names without SDN data). */
export function looksLikeSdnSet(name: string): boolean {
  return IPAM_SET.test(name) || VNET_SET.test(name);
}

export function sdnIpSet(name: string, inv: SdnInventory): SdnLookup {
  const ipam = IPAM_SET.exec(name);
  if (ipam) return ipamSet(Number(ipam[1]), inv);
  const m = VNET_SET.exec(name);
  if (!m) {
    return {
      kind: 'missing',
      why: `SDN sets are <vnet>-all, <vnet>-gateway, <vnet>-no-gateway, <vnet>-dhcp or guest-ipam-<vmid>`,
    };
  }
  const vnet = findVnet(m[1]!, inv);
  if (!vnet) {
    return {
      kind: 'missing',
      why:
        inv.configPath === null
          ? 'there is no SDN configuration (sdn/.running-config)'
          : inv.invalid.includes(inv.configPath)
            ? `${inv.configPath} is not valid JSON`
            : `no VNet '${m[1]}' in ${inv.configPath}`,
    };
  }
  return vnetSet(vnet, m[2]!.toLowerCase() as VnetSetKind);
}

/** VNet names are case-sensitive in Proxmox VE; a reference that differs only in case still
 * finds its VNet when no other VNet spells that way (fwgen matches ipset names case-insensitively). */
function findVnet(name: string, inv: SdnInventory): SdnVnet | undefined {
  const exact = inv.vnets.get(name);
  if (exact) return exact;
  const folded = [...inv.vnets.values()].filter((v) => v.name.toLowerCase() === name.toLowerCase());
  return folded.length === 1 ? folded[0] : undefined;
}

const COMMENTS: Record<VnetSetKind, (vnet: string) => string> = {
  // proxmox-ve-rs's comments, so `nft list` reads like proxmox-firewall's sets
  all: (v) => `All subnets of VNet ${v}`,
  gateway: (v) => `All gateways of VNet ${v}`,
  'no-gateway': (v) => `All subnets of VNet ${v}, excluding gateways`,
  dhcp: (v) => `DHCP ranges of VNet ${v}`,
};

function vnetSet(vnet: SdnVnet, kind: VnetSetKind): SdnLookup {
  const entries: SetEntry[] = [];
  for (const s of vnet.subnets) {
    if (kind === 'all' || kind === 'no-gateway') entries.push({ cidr: s.cidr, nomatch: false });
    if (s.gateway && kind === 'gateway') entries.push({ cidr: s.gateway, nomatch: false });
    // The gateway as a nomatch entry, as proxmox-ve-rs writes it: the most specific entry
    // decides (pve-firewall's hash:net) and "in the set, not in nomatch" (proxmox-firewall) agree
    // here, since the gateway /32 (/128) is always the narrowest entry.
    if (s.gateway && kind === 'no-gateway') entries.push({ cidr: s.gateway, nomatch: true });
    if (kind === 'dhcp')
      for (const r of s.dhcpRanges)
        for (const cidr of rangeCidrs(r)) entries.push({ cidr, nomatch: false });
  }
  const name = `${vnet.name}-${kind}`;
  const set = buildIpSet({
    key: `sdn/${name}`,
    scope: 'sdn',
    vmid: null,
    name,
    comment: COMMENTS[kind](vnet.name),
    origin: vnet.span,
    entries: dedupe(entries),
  });
  return { kind: 'set', set, empty: isEmpty(set) ? emptyWhy(vnet, kind) : null };
}

function emptyWhy(vnet: SdnVnet, kind: VnetSetKind): string {
  if (vnet.subnets.length === 0) return `VNet '${vnet.name}' has no subnet`;
  if (kind === 'gateway') return `no subnet of VNet '${vnet.name}' has a gateway`;
  if (kind === 'dhcp') return `no subnet of VNet '${vnet.name}' has a DHCP range`;
  return `its subnets hold only their gateways`;
}

function ipamSet(vmid: number, inv: SdnInventory): SdnLookup {
  if (inv.ipamPath === null)
    return {
      kind: 'missing',
      why: 'there is no IPAM state (sdn/pve-ipam-state.json or priv/ipam.db)',
    };
  if (inv.invalid.includes(inv.ipamPath))
    return { kind: 'missing', why: `${inv.ipamPath} is not valid JSON` };
  const mine = inv.ipam.filter((e) => e.vmid === vmid);
  // proxmox-ve-rs makes the set only for guests with an IPAM entry: an unknown name otherwise.
  if (mine.length === 0)
    return { kind: 'missing', why: `${inv.ipamPath} has no address of guest ${vmid}` };
  const name = `guest-ipam-${vmid}`;
  const set = buildIpSet({
    key: `sdn/${name}`,
    scope: 'sdn',
    vmid: null,
    name,
    comment: `IPAM addresses of guest ${vmid}`,
    origin: mine[0]!.span,
    entries: dedupe(mine.map((e) => ({ cidr: e.ip, nomatch: false }))),
  });
  return { kind: 'set', set, empty: null };
}

function isEmpty(set: IpSet): boolean {
  return set.v4.length === 0 && set.v6.length === 0;
}

/** Generated entries may repeat (overlapping DHCP ranges, one gateway of two subnets); the
 * effective-set computation wants each (prefix, nomatch) once. */
function dedupe(entries: SetEntry[]): SetEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const k = `${e.cidr.addr}/${e.cidr.len}/${e.nomatch}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

/** An inclusive range as the fewest CIDRs covering exactly it (what pve-firewall's SDN sets hold:
 * proxmox-perl-rs converts ranges with IpRange::to_cidrs). */
export function rangeCidrs(r: SdnRange): Cidr[] {
  const bits = BITS[r.family];
  let from = toNumber(r.from, r.family);
  const to = toNumber(r.to, r.family);
  const out: Cidr[] = [];
  while (from <= to) {
    // The largest block aligned at `from` that does not pass `to`.
    let size = 0;
    while (
      size < bits &&
      (from & ((1n << BigInt(size + 1)) - 1n)) === 0n &&
      from + (1n << BigInt(size + 1)) - 1n <= to
    )
      size++;
    out.push({ family: r.family, addr: toText(from, r.family), len: bits - size });
    from += 1n << BigInt(size);
  }
  return out;
}

function toNumber(addr: string, family: IpFamily): bigint {
  if (family === 4) return addr.split('.').reduce((n, p) => (n << 8n) | BigInt(Number(p)), 0n);
  let text = addr.toLowerCase();
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = toNumber(dotted[2]!, 4);
    text = `${dotted[1]!}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run compressed). */
function toText(n: bigint, family: IpFamily): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => (n >> s) & 0xffffn);
  let best = -1;
  let bestLen = 1; // a single zero group is not compressed
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0n) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0n) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
