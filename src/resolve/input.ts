// What resolveConfig needs: parsed files of one node's view of the tree (no I/O here).
import type { Span } from '../diag/span.js';
import type * as ast from '../syntax/ast.js';
import type { Cidr, IpFamily } from './ir.js';

export type FileScope = 'cluster' | 'host' | 'guest' | 'vnet';

export interface GuestInput {
  vmid: number;
  type: 'qemu' | 'lxc';
  conf: ast.GuestConf;
  /** `firewall/<vmid>.fw`; a guest without one is never filtered (pve-firewall). */
  fw: ast.ConfigFile | null;
}

export interface VnetInput {
  /** The file's base name: the VNet id and its bridge's name. */
  name: string;
  fw: ast.ConfigFile;
}

export interface ResolveInput {
  cluster: ast.ConfigFile | null;
  host: ast.ConfigFile | null;
  guests: GuestInput[];
  corosync: ast.CorosyncConf | null;
  /** `sdn/firewall/*.fw`, absent when the tree has none. */
  vnets?: VnetInput[];
  nodeName: string;
  /** The local network when detected or given (`--localnet`); the cluster alias `local_network` wins. */
  localNetwork: Cidr[];
  /** Unix seconds, for the cluster `enable: <timestamp>` anti-lockout rule. */
  now: number;
  /** The `+sdn/…` sets' source; absent: no SDN. */
  sdn?: SdnInventory;
}

/** SDN as src/load/parse-sdn.ts reads it from `sdn/.running-config` and the IPAM state. */
export interface SdnInventory {
  /** The files read, for messages; null when absent (then nothing came from it). */
  configPath: string | null;
  ipamPath: string | null;
  /** Files that were read but are not valid JSON (reported): nothing came from them. */
  invalid: string[];
  /** By VNet name, as written (VNet names are case-sensitive in Proxmox VE). */
  vnets: Map<string, SdnVnet>;
  /** IPAM addresses of guests (`vmid` entries only; gateway and custom entries carry none). */
  ipam: SdnIpamEntry[];
}

export interface SdnVnet {
  name: string;
  zone: string;
  span: Span;
  subnets: SdnSubnet[];
}

export interface SdnSubnet {
  /** The subnet id, `<zone>-<address>-<prefix>`. */
  id: string;
  cidr: Cidr;
  /** A single address (`len` 32 or 128). */
  gateway: Cidr | null;
  dhcpRanges: SdnRange[];
  span: Span;
}

export interface SdnRange {
  family: IpFamily;
  from: string;
  to: string;
}

export interface SdnIpamEntry {
  vmid: number;
  /** A single address. */
  ip: Cidr;
  zone: string;
  /** The IPAM subnet key (a CIDR). */
  subnet: string;
  span: Span;
}
