// --inventory pve|libvirt and its options, shared by compile, apply, diff, status and doctor:
// where guests come from (a /etc/pve tree, or libvirt domain XML + /etc/fwgen .fw files) and the
// resulting CompileSources. main.ts adds the options and calls loadInventory instead of loadTree.
import { Option, type Command } from 'commander';
import type { CompileSources } from '../compile.js';
import { Diagnostics, type Diagnostic } from '../diag/diagnostic.js';
import type { InventoryGuest } from '../libvirt/libvirt-inventory.js';
import type { LibvirtDomain } from '../libvirt/parse-domain-xml.js';
import type { LibvirtNetwork } from '../libvirt/parse-network-xml.js';
import { loadTree } from '../load/load-tree.js';

export interface InventoryFlags {
  inventory?: 'pve' | 'libvirt';
  root?: string;
  configDir?: string;
  libvirtXml?: string;
  libvirtUri?: string;
  /** commander's --no-libvirt-services: true unless given */
  libvirtServices?: boolean;
}

export const INVENTORY_HELP = `
Inventories: 'pve' (default) reads guests and rules from the /etc/pve tree (--root). 'libvirt'
reads the running domains' interfaces from libvirt ('virsh dumpxml', or --libvirt-xml DIR with
DIR/*.xml and DIR/networks/*.xml) and rules from --config-dir: cluster.fw, host.fw and
guests/<domain>.fw. Guests on libvirt networks may reach libvirt's DHCP/DNS unless
--no-libvirt-services is given.`;

export function addInventoryOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--inventory <kind>', 'where guests come from')
        .choices(['pve', 'libvirt'])
        .default('pve'),
    )
    .option(
      '--config-dir <dir>',
      'libvirt inventory: cluster.fw, host.fw and guests/<domain>.fw',
      '/etc/fwgen',
    )
    .option(
      '--libvirt-xml <dir>',
      'libvirt inventory: read domain XML from DIR (and DIR/networks) instead of virsh',
    )
    .option('--libvirt-uri <uri>', 'libvirt inventory: the virsh connection', 'qemu:///system')
    .option(
      '--no-libvirt-services',
      "libvirt inventory: do not let guests reach libvirt's DHCP/DNS through the host firewall",
    );
}

export interface LoadedInventory {
  kind: 'pve' | 'libvirt';
  sources: CompileSources;
  /** Inventory diagnostics (bad domain XML, direct interfaces…): print them with compile's. */
  diagnostics: Diagnostic[];
  /** compile()'s `serviceBridges` option */
  serviceBridges: string[];
  /** bridges of routed (nat/route) libvirt networks, for doctor */
  routedBridges: string[];
  /** libvirt: synthetic vmid → domain name, for status and doctor output */
  guestNames: Map<number, string>;
  guests: InventoryGuest[];
  /** pve: node directories under nodes/ (main.ts's `no node` check); libvirt: [] */
  nodes: string[];
}

export async function loadInventory(
  flags: InventoryFlags,
  node: string,
  env?: Record<string, string | undefined>,
): Promise<LoadedInventory> {
  if ((flags.inventory ?? 'pve') === 'pve') {
    const tree = await loadTree(flags.root ?? '/etc/pve', node);
    return {
      kind: 'pve',
      sources: tree,
      diagnostics: [],
      serviceBridges: [],
      routedBridges: [],
      guestNames: new Map(),
      guests: [],
      nodes: tree.nodes,
    };
  }
  // Loaded only for this inventory: the XML parser is a large part of the CLI, and a Proxmox
  // timer tick should not pay for compiling it.
  const [{ libvirtInventory }, { loadLibvirt }, { parseDomainXml }, { parseNetworkXml }] =
    await Promise.all([
      import('../libvirt/libvirt-inventory.js'),
      import('../libvirt/load-libvirt.js'),
      import('../libvirt/parse-domain-xml.js'),
      import('../libvirt/parse-network-xml.js'),
    ]);
  const files = await loadLibvirt({
    configDir: flags.configDir ?? '/etc/fwgen',
    xmlDir: flags.libvirtXml,
    uri: flags.libvirtUri,
    env,
  });
  const diags = new Diagnostics();
  const domains = files.domains
    .map((f) => parseDomainXml(f, diags))
    .filter((d): d is LibvirtDomain => d !== null);
  const networks = files.networks
    .map((f) => parseNetworkXml(f, diags))
    .filter((n): n is LibvirtNetwork => n !== null);
  const inv = libvirtInventory(
    {
      node,
      cluster: files.cluster,
      host: files.host,
      domains,
      networks,
      guestFiles: files.guestFiles,
    },
    diags,
  );
  return {
    kind: 'libvirt',
    sources: inv.sources,
    diagnostics: diags.sorted(),
    serviceBridges: flags.libvirtServices === false ? [] : inv.serviceBridges,
    routedBridges: inv.routedBridges,
    guestNames: new Map(inv.guests.map((g) => [g.vmid, g.name])),
    guests: inv.guests,
    nodes: [],
  };
}
