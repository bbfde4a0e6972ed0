// --inventory pve|libvirt and its options, shared by compile, apply, diff, status and doctor, and
// the flag → load/compile wiring those commands share. Loading itself is src/load/load-inventory.
import os from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Option, type Command } from 'commander';
import type { CompileResult } from '../compile.js';
import { shortHostname } from '../load/detect-local-network.js';
import { loadInputs, type CompileInputs, type InventoryFlags } from '../load/load-inventory.js';
import { readLinksFile, readNodeLinks, type Link } from '../load/links.js';
import { parseCidrText } from '../resolve/check-address.js';
import type * as ir from '../resolve/ir.js';
import { nowOf, UsageError, type Io } from './io.js';

export type { InventoryFlags } from '../load/load-inventory.js';

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
    )
    .option(
      '--links <file>',
      "the node's links as 'ip -j link' prints them: host rules' -i altnames become primary " +
        "names, unknown names are reported (apply, diff, status: default 'ip -j link' on this node)",
    );
}

/** The flags of every command that compiles a tree. */
export interface TreeFlags extends InventoryFlags {
  root: string;
  node?: string;
  localnet?: string;
  strict?: boolean;
  /** `--links FILE` */
  links?: string;
}

/** `--node`, else the short host name (PVE's node name). */
export function nodeName(opts: { node?: string }, io: Io): string {
  return opts.node ?? shortHostname(io.hostname?.() ?? os.hostname());
}

/**
 * The compile inputs the flags name. `needNodes`: see loadInputs. `onNode` (apply, diff, status):
 * without --links, the links come from `ip -j link` on this node; when that fails, `log` says why
 * and names are used unchecked, as without --links off the node (compile).
 */
export async function loadTreeInputs(
  opts: TreeFlags,
  io: Io,
  needNodes = false,
  onNode?: { log: (line: string) => void },
): Promise<CompileInputs> {
  const node = nodeName(opts, io);
  const localNetwork = opts.localnet === undefined ? undefined : parseLocalnet(opts.localnet);
  let links: Link[] | null = null;
  if (opts.links !== undefined) links = await readLinksFile(opts.links, io);
  else if (onNode) {
    const r = await readNodeLinks(io.env);
    if (r.links === null)
      onNode.log(`warning: cannot list this node's links (${r.why}): -i names are not checked`);
    links = r.links;
  }
  return loadInputs(opts, node, {
    reader: io,
    env: io.env,
    localNetwork,
    detect: io.detectLocalNetwork?.bind(io),
    needNodes,
    links,
  });
}

/** compile() on loaded inputs; the inventory's diagnostics join compile's. */
export async function compileInputs(
  inputs: CompileInputs,
  format: 'nft' | 'json',
  strict: boolean,
  io: Io,
  /** compile()'s `streamGuestChains`: only `compile` prints text without needing the model. */
  streamGuestChains = false,
): Promise<CompileResult> {
  // Loaded here, not at the top: `check` (editors, hooks) never needs the generator or emitters.
  const { compile } = await import('../compile.js');
  // After a full collection V8 lets the heap grow to up to 4x what survived before the next one;
  // at 10,000 guests about 300 MB survive, and that slack was the RSS over 1 GB. Growth capped
  // at 100%: RSS 0.93 GB instead of 1.09-1.12 GB for the same CPU time (19.9 s user against
  // 16.4-19.7 s; 50% gave 0.89 GB for 26.6 s; 2026-12-08, docs/decisions.md). A runtime flag:
  // it only changes when V8 collects, never what compile returns.
  setFlagsFromString('--heap-growing-percent=100');
  return compile(inputs.sources, {
    format,
    localNetwork: inputs.localNetwork,
    now: nowOf(io),
    strict,
    serviceBridges: inputs.serviceBridges,
    inventoryDiagnostics: inputs.diagnostics,
    links: inputs.links,
    streamGuestChains,
  });
}

function parseLocalnet(text: string): ir.Cidr[] {
  const out: ir.Cidr[] = [];
  for (const part of text.split(',')) {
    const cidr = parseCidrText(part.trim());
    if (cidr === undefined)
      throw new UsageError(
        `invalid --localnet '${part.trim()}', expected a CIDR such as 192.0.2.0/24`,
      );
    out.push(cidr);
  }
  return out;
}
