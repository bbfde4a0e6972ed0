// What resolveConfig needs: parsed files of one node's view of the tree (no I/O here).
import type * as ast from '../syntax/ast.js';
import type { Cidr } from './ir.js';

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
}
