// loadInventory: one node's compile inputs from either inventory: 'pve' (a /etc/pve tree) or
// 'libvirt' (domain XML + fwgen's .fw files), read through a FileReader. loadInputs adds what
// compile needs besides the files: the node check and the local network (detected unless given).
import path from 'node:path';
import { Diagnostics, type Diagnostic } from '../diag/diagnostic.js';
import type { InventoryGuest } from '../libvirt/libvirt-inventory.js';
import type { LibvirtDomain } from '../libvirt/parse-domain-xml.js';
import type { LibvirtNetwork } from '../libvirt/parse-network-xml.js';
import type * as ir from '../resolve/ir.js';
import type * as ast from '../syntax/ast.js';
import { parseCorosyncConf } from '../syntax/parse-corosync-conf.js';
import { detectLocalNetwork } from './detect-local-network.js';
import { nodeReader, type FileReader } from './file-reader.js';
import type { Link } from './links.js';
import { LoadError, loadTree } from './load-tree.js';
import { loadSdn } from './parse-sdn.js';
import type { CompileSources } from './sources.js';

export interface InventoryFlags {
  inventory?: 'pve' | 'libvirt';
  root?: string;
  configDir?: string;
  libvirtXml?: string;
  libvirtUri?: string;
  /** commander's --no-libvirt-services: true unless given */
  libvirtServices?: boolean;
}

interface LoadedInventory {
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
  /** pve: node directories under nodes/ (loadInputs's `no node` check); libvirt: [] */
  nodes: string[];
}

interface LoadContext {
  reader: FileReader;
  env?: Record<string, string | undefined>;
}

export async function loadInventory(
  flags: InventoryFlags,
  node: string,
  ctx: LoadContext = { reader: nodeReader },
): Promise<LoadedInventory> {
  if ((flags.inventory ?? 'pve') === 'pve') {
    const tree = await loadTree(flags.root ?? '/etc/pve', node, ctx.reader);
    const sdn = await loadSdn(tree.root, ctx.reader);
    const corosyncDiags = new Diagnostics();
    const corosync = tree.corosync && {
      file: tree.corosync,
      conf: parseCorosyncConf(tree.corosync, corosyncDiags),
      diagnostics: corosyncDiags.sorted(),
    };
    return {
      kind: 'pve',
      sources: { ...tree, corosync, sdn },
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
      import('./load-libvirt.js'),
      import('../libvirt/parse-domain-xml.js'),
      import('../libvirt/parse-network-xml.js'),
    ]);
  const files = await loadLibvirt({
    configDir: flags.configDir ?? '/etc/fwgen',
    xmlDir: flags.libvirtXml,
    uri: flags.libvirtUri,
    env: ctx.env,
    reader: ctx.reader,
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

/** Everything compile takes for one node, besides the clock and the output format. */
export interface CompileInputs {
  sources: CompileSources;
  localNetwork: ir.Cidr[];
  serviceBridges: string[];
  /** inventory diagnostics (libvirt XML), reported with compile's */
  diagnostics: Diagnostic[];
  /** The node's links (src/load/links.ts); null or absent: not known (compile off the node). */
  links?: Link[] | null;
}

interface InputsContext extends LoadContext {
  /** `--localnet`; undefined: detected as pve-firewall does */
  localNetwork?: ir.Cidr[];
  /** Tests replace detection (it reads /proc and resolves names). */
  detect?(node: string, corosync: ast.CorosyncConf | null): Promise<ir.Cidr[]>;
  /**
   * Refuse a pve tree without nodes/ (apply): without it /etc/pve is most likely an unmounted
   * pmxcfs, and compiling "no cluster.fw" (firewall off) would tear the running ruleset down.
   */
  needNodes?: boolean;
  /** The node's links, already read (`--links FILE` or `ip -j link`); default null. */
  links?: Link[] | null;
}

export async function loadInputs(
  flags: InventoryFlags & { root: string },
  node: string,
  ctx: InputsContext,
): Promise<CompileInputs> {
  const inv = await loadInventory(flags, node, ctx);
  const { sources } = inv;
  if (inv.nodes.length > 0 && !inv.nodes.includes(node)) {
    throw new LoadError(
      `no node '${node}' in '${path.join(flags.root, 'nodes')}' (found ${inv.nodes.join(', ')}); use --node`,
      'unknown-node',
    );
  }
  if (ctx.needNodes && inv.kind === 'pve' && inv.nodes.length === 0) {
    throw new LoadError(
      `no 'nodes' directory in '${flags.root}' (is pmxcfs mounted?)`,
      'missing-root',
    );
  }
  const corosync = sources.corosync?.conf ?? null;
  const localNetwork =
    ctx.localNetwork ?? (await (ctx.detect ?? detectLocalNetwork)(sources.node, corosync));
  return {
    sources,
    localNetwork,
    serviceBridges: inv.serviceBridges,
    diagnostics: inv.diagnostics,
    links: ctx.links ?? null,
  };
}
