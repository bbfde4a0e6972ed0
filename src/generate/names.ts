// Every name the generator puts into a ruleset: tables, chains, sets, maps, and the log prefixes.
// Nothing else in src/generate spells a name, so renaming (or making placement configurable) is a
// change here only. Generated names are `[a-z][a-z0-9_]*` plus `/` inside set names; none can be an
// nft keyword (emit-text's assertIdentifier double-checks).
import type * as ir from '../resolve/ir.js';

export const DEFAULT_TABLE_NAME = 'fwgen';

/** A (vmid, NIC) pair spelled for chain names: `g100_net0`. */
function nicStem(vmid: number, nic: number): string {
  return `g${vmid}_net${nic}`;
}

/** Keep what an nft identifier allows; the rest becomes `_` (set keys are generated anyway). */
function sanitizeIdentifierPart(text: string): string {
  return text.replace(/[^A-Za-z0-9_./-]/g, '_');
}

export const names = {
  inet: {
    input: 'input',
    output: 'output',
    /** Routed traffic: host and cluster FORWARD rules, `policy_forward` (host-table.ts). */
    forward: 'forward',
    /** host <-> VNet: `iifname vmap` / `oifname vmap` into the VNets' chains (vnet-chains.ts). */
    vnetIn: 'vnet_in',
    vnetOut: 'vnet_out',
    rejectChain: 'do_reject',
    /** PVEFW-Drop / PVEFW-Reject, part 1: destination broadcast/multicast (drops only). */
    noiseAddr: 'noise_addr',
    /** PVEFW-Drop, part 2 (drops only). */
    noiseDrop: 'noise_drop',
    /** PVEFW-Reject, part 2 (SMB lines jump the reject chain). */
    noiseReject: 'noise_reject',
    smurfs: 'smurfs',
    smurfLog: 'smurflog',
    tcpFlags: 'tcpflags',
    tcpFlagsLog: 'logflags',
    blacklist: 'blacklist',
  },
  bridge: {
    prerouting: 'prerouting',
    postrouting: 'postrouting',
    /** Bridged frames: the bridged mark, then `meta ibrname vmap` into the VNets' chains. */
    forward: 'forward',
    /** Clears the bridged mark on the way out of a bridge (vnet-chains.ts). */
    bridgedClear: 'bridged_clear',
    /** `meta mark` bit of a frame the bridge forwards, set in bridge forward before br_netfilter
     * hands it to the inet forward hook, which lets it pass: bridged guest traffic is judged by
     * the bridge table alone, never by the host FORWARD rules (docs/decisions.md). */
    bridgedMark: 0x20000000,
    /** Bridge reject chain: reachable from prerouting only (docs/reference.md
     * §nft-bridge-reject). */
    rejectChain: 'do_reject',
    noiseAddr: 'noise_addr',
    noiseDrop: 'noise_drop',
    noiseReject: 'noise_reject',
    smurfLog: 'smurflog',
    tcpFlags: 'tcpflags',
    tcpFlagsLog: 'logflags',
    blacklist: 'blacklist',
    /** iifname → jump <nic>_out */
    outByPort: 'out_by_port',
    /** oifname → jump <nic>_in */
    inByPort: 'in_by_port',
    /** ether daddr → jump <nic>_in_pre */
    inByMac: 'in_by_mac',
    /** `meta mark` bit set by the first <nic>_in_pre a frame meets; later bridges on its way
     * (vmbr0 -> fwpr/fwln -> fwbr) skip the MAC dispatch. Not PF's 0x80000000 accept mark, and
     * outside the low 16 bits that policy routing, wg-quick and kube-proxy use (docs/decisions.md). */
    judgedMark: 0x10000000,
    /** `ifname . address` → allowed source addresses of each port (ipfilter). */
    ipfilter: (family: ir.IpFamily): string => `ipfilter_v${family}`,
    nicOut: (vmid: number, nic: number): string => `${nicStem(vmid, nic)}_out`,
    nicInPre: (vmid: number, nic: number): string => `${nicStem(vmid, nic)}_in_pre`,
    nicIn: (vmid: number, nic: number): string => `${nicStem(vmid, nic)}_in`,
    /** IPS: queue IP traffic to NFQUEUE `from`..`to`, accept the rest (ips.ts). */
    ipsQueue: (from: number, to: number): string =>
      from === to ? `ips_queue_${from}` : `ips_queue_${from}_${to}`,
  },
  /** Prerouting protections that both tables carry (synflood.ts, conntrack-helpers.ts). */
  protect: {
    synflood: 'synflood',
    /** Per-source SYN budgets, keyed by the IPv4 address or the IPv6 /64. */
    synfloodSet: (family: ir.IpFamily): string => `synflood_v${family}`,
    ctHelpers: 'ct_helpers',
    /** `helper_netbios_ns_udp` */
    ctHelper: (type: string, proto: 'tcp' | 'udp'): string =>
      `helper_${type.replace(/-/g, '_')}_${proto}`,
  },
  /** bridge name -> jump vnet_<name>, one lookup per packet (both tables). */
  vnetByBridge: 'vnet_by_bridge',
  /** A VNet's chain; the name is a checked bridge name (vnet-bridges.ts). */
  vnetChain: (vnet: string): string => `vnet_${vnet}`,
  /** Named set holding one family of an ipset: `v4_dc/management`, `v6_guest-100/ipfilter-net0`. */
  ipset(key: string, family: ir.IpFamily): string {
    return `v${family}_${sanitizeIdentifierPart(key)}`;
  },

  /** A guest ipset of every guest that has one by this name, keyed by port (`ifname . addr`) or,
   * for the MAC-dispatched inbound chains, by MAC (`ether_addr . addr`) (guest-ipsets.ts):
   * `guest_v4_trusted`, `guest_mac_v6_trusted`. Depends only on the name, never on which guests
   * use it. */
  guestIpset(name: string, family: ir.IpFamily, key: 'ifname' | 'mac'): string {
    return `guest_${key === 'mac' ? 'mac_' : ''}v${family}_${sanitizeIdentifierPart(name)}`;
  },

  /** A list hoisted into a named set (hoist-sets.ts), named by a digest of its type and elements:
   * `list_inet_service_3fa2b1c0`. The same list has the same name in every compile. */
  sharedSet(type: string, digest: string): string {
    return `list_${type}_${digest}`;
  },

  /** PF-like chain names used inside log prefixes (never nft identifiers). */
  logChain: {
    hostIn: 'PVEFW-HOST-IN',
    hostOut: 'PVEFW-HOST-OUT',
    hostForward: 'PVEFW-HOST-FORWARD',
    vnet: (vnet: string): string => `${vnet}-FORWARD`,
    guestIn: (device: string): string => `${device}-IN`,
    guestOut: (device: string): string => `${device}-OUT`,
    group: (group: string, dir: 'in' | 'out' | 'forward'): string =>
      `GROUP-${group}-${dir.toUpperCase()}`,
    smurfs: 'PVEFW-smurflog',
    tcpFlags: 'PVEFW-logflags',
    blacklist: 'PVEFW-blacklist',
  },

  /** pve-firewall's NFLOG prefix `:<vmid>:<level>:<chain>: <message>` (docs/reference.md
   * §pve-logging), read by pvefw-logger-compatible consumers. */
  logPrefix(vmid: number, level: number, chain: string, message: string): string {
    return `:${vmid}:${level}:${chain}: ${message}`;
  },
  /** Messages: rules log their configured action, policies `policy X: `, built-ins `DROP: `. */
  ruleMessage(verdict: ir.Verdict): string {
    return `${verdict.toUpperCase()}: `;
  },
  policyMessage(policy: ir.Policy): string {
    return `policy ${policy}: `;
  },
} as const;
