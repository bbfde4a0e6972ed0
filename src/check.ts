// check: the `fwgen check` pipeline beside compile's. Each file is parsed by what it is (a .fw
// file of some scope, a guest config, corosync.conf) and, for .fw files, checked against the
// cluster file of an optional /etc/pve root. Reads through a FileReader; generates nothing.
import path from 'node:path';
import { Diagnostics } from './diag/diagnostic.js';
import { sourceFile, type SourceFile } from './diag/span.js';
import type { FileReader } from './load/file-reader.js';
import { LoadError, readSource } from './load/load-tree.js';
import { loadSdn, parseSdn } from './load/parse-sdn.js';
import type { FileScope } from './resolve/input.js';
import { checkFile } from './resolve/resolve-config.js';
import type * as ast from './syntax/ast.js';
import { parseCorosyncConf } from './syntax/parse-corosync-conf.js';
import { parseFile } from './syntax/parse.js';
import { parseGuestConf } from './syntax/parse-guest-conf.js';

export const CHECK_SCOPES = ['cluster', 'host', 'guest', 'vnet', 'qemu', 'lxc'] as const;
export type CheckScope = (typeof CHECK_SCOPES)[number];

type CheckTarget =
  | { kind: 'fw'; scope: FileScope }
  | { kind: 'conf'; type: 'qemu' | 'lxc' }
  | { kind: 'corosync' }
  /** SDN files, known by name only (like corosync.conf): the running config or the IPAM state. */
  | { kind: 'sdn'; file: 'config' | 'ipam' };

/** What a file is: `scope` when given, else its name; undefined when the name does not tell. */
export function checkTarget(file: string, scope: CheckScope | undefined): CheckTarget | undefined {
  const s = scope ?? scopeFromName(file);
  if (s === undefined) return undefined;
  if (s === 'corosync') return { kind: 'corosync' };
  if (s === 'sdn-config' || s === 'ipam')
    return { kind: 'sdn', file: s === 'ipam' ? 'ipam' : 'config' };
  if (s === 'qemu' || s === 'lxc') return { kind: 'conf', type: s };
  return { kind: 'fw', scope: s };
}

function scopeFromName(file: string): CheckScope | 'corosync' | 'sdn-config' | 'ipam' | undefined {
  if (file === '-') return undefined;
  const p = file.split(path.sep).join('/');
  const base = path.posix.basename(p);
  if (base === 'cluster.fw') return 'cluster';
  if (base === 'host.fw') return 'host';
  if (base === 'corosync.conf') return 'corosync';
  if (base === '.running-config') return 'sdn-config';
  if (base === 'pve-ipam-state.json' || base === 'ipam.db') return 'ipam';
  if (/(^|\/)sdn\/firewall\/[^/]+\.fw$/.test(p)) return 'vnet';
  if (/^\d+\.fw$/.test(base)) return 'guest';
  // libvirt inventory: /etc/fwgen/guests/<domain>.fw
  if (/(^|\/)guests\/[^/]+\.fw$/.test(p)) return 'guest';
  if (/(^|\/)qemu-server\/\d+\.conf$/.test(p)) return 'qemu';
  if (/(^|\/)lxc\/\d+\.conf$/.test(p)) return 'lxc';
  return undefined;
}

/** Checks each file ('-' is standard input); `root` is a /etc/pve tree whose cluster.fw they see. */
export async function checkFiles(
  files: readonly { name: string; target: CheckTarget }[],
  root: string | undefined,
  reader: FileReader,
): Promise<Diagnostics> {
  const diags = new Diagnostics();
  const clusterPath = root === undefined ? null : path.join(root, 'firewall', 'cluster.fw');
  const cluster = clusterPath === null ? null : await readCluster(clusterPath, reader);
  // The tree's SDN, read quietly like its cluster.fw: `+sdn/…` names are judged against it.
  const sdn = root === undefined ? null : (await loadSdn(root, reader)).inventory;
  for (const { name, target } of files) {
    const file = await readSource(name, reader);
    if (target.kind === 'conf') parseGuestConf(file, target.type, diags);
    else if (target.kind === 'corosync') parseCorosyncConf(file, diags);
    else if (target.kind === 'sdn')
      parseSdn(target.file === 'config' ? file : null, target.file === 'ipam' ? file : null, diags);
    else {
      const ast = parseFile(file, diags);
      const isCluster =
        target.scope === 'cluster' ||
        (clusterPath !== null && path.resolve(name) === path.resolve(clusterPath));
      checkFile(ast, target.scope, isCluster ? null : cluster, diags, sdn);
    }
  }
  return diags;
}

/** The root's cluster.fw, parsed quietly: its own diagnostics show only when it is checked itself. */
async function readCluster(file: string, reader: FileReader): Promise<ast.ConfigFile> {
  let source: SourceFile;
  try {
    source = await readSource(file, reader);
  } catch (e) {
    if (!(e instanceof LoadError && e.code === 'missing-file')) throw e;
    // A tree without one: the cluster is known to be empty, so `dc/x` is an unknown name.
    source = sourceFile(file, '');
  }
  return parseFile(source, new Diagnostics());
}
