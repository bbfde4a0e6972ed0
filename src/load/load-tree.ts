// loadTree: find and read one node's view of a /etc/pve tree (cluster.fw, host.fw, local guests,
// corosync.conf, vnet files) through a FileReader; parses nothing.
import path from 'node:path';
import { sourceFile, type SourceFile } from '../diag/span.js';
import { nodeReader, type FileReader } from './file-reader.js';

export interface TreeGuest {
  vmid: number;
  type: 'qemu' | 'lxc';
  conf: SourceFile;
  /** `firewall/<vmid>.fw`, null when absent */
  fw: SourceFile | null;
}

export interface Tree {
  root: string;
  node: string;
  cluster: SourceFile | null;
  host: SourceFile | null;
  /** Sorted by vmid (then qemu before lxc). */
  guests: TreeGuest[];
  corosync: SourceFile | null;
  /** `sdn/firewall/*.fw`, sorted by name */
  vnets: SourceFile[];
  /** The node directories under `nodes/`, sorted: lets the CLI say when `--node` names none. */
  nodes: string[];
}

/** A problem with the tree as a whole (missing root, unreadable file): a usage error, not a bug. */
export class LoadError extends Error {
  override readonly name = 'LoadError';
  constructor(
    message: string,
    readonly code: 'missing-root' | 'invalid-node' | 'unknown-node' | 'missing-file' | 'unreadable',
  ) {
    super(message);
  }
}

/** Node names are host names (PVE::INotify::nodename); anything else could leave `nodes/`. */
const NODE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;

export async function loadTree(
  root: string,
  node: string,
  reader: FileReader = nodeReader,
): Promise<Tree> {
  if (!NODE_NAME.test(node)) throw new LoadError(`invalid node name '${node}'`, 'invalid-node');
  if (!(await reader.isDirectory(root)))
    throw new LoadError(`no such directory '${root}'`, 'missing-root');

  const glob = (pattern: string): Promise<string[]> => reader.glob(pattern, root, 'files');
  const nodeDir = `nodes/${node}`;
  const [qemu, lxc, vnetFiles, nodeDirs] = await Promise.all([
    glob(`${nodeDir}/qemu-server/*.conf`),
    glob(`${nodeDir}/lxc/*.conf`),
    glob('sdn/firewall/*.fw'),
    reader.glob('nodes/*', root, 'directories'),
  ]);

  const read = (rel: string): Promise<SourceFile | null> =>
    readOptional(path.join(root, rel), reader);
  const guestFiles = [
    ...qemu.map((rel) => ({ rel, type: 'qemu' as const })),
    ...lxc.map((rel) => ({ rel, type: 'lxc' as const })),
  ].flatMap(({ rel, type }) => {
    const m = /^(\d+)\.conf$/.exec(path.posix.basename(rel));
    return m ? [{ rel, type, vmid: Number(m[1]) }] : []; // `100.conf` only, as PVE names them
  });
  guestFiles.sort((a, b) => a.vmid - b.vmid || (a.type < b.type ? 1 : a.type > b.type ? -1 : 0));

  const guests: TreeGuest[] = [];
  for (const g of guestFiles) {
    const conf = await read(g.rel);
    if (conf === null) continue; // vanished between glob and read: as if never there
    guests.push({ vmid: g.vmid, type: g.type, conf, fw: await read(`firewall/${g.vmid}.fw`) });
  }
  const vnets: SourceFile[] = [];
  for (const rel of [...vnetFiles].sort()) {
    const f = await read(rel);
    if (f) vnets.push(f);
  }
  return {
    root,
    node,
    cluster: await read('firewall/cluster.fw'),
    host: await read(`${nodeDir}/host.fw`),
    guests,
    corosync: await read('corosync.conf'),
    vnets,
    nodes: nodeDirs.map((d) => path.posix.basename(d)).sort(),
  };
}

/** A file that may be absent (null); any other failure is a LoadError. */
export async function readOptional(full: string, reader: FileReader): Promise<SourceFile | null> {
  try {
    return sourceFile(full, await reader.readFile(full));
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return null;
    throw new LoadError(`cannot read '${full}': ${errnoMessage(e)}`, 'unreadable');
  }
}

/** One file for `fwgen check`; `-` is standard input, shown as `<stdin>` in diagnostics. */
export async function readSource(
  file: string,
  reader: Pick<FileReader, 'readFile' | 'readStdin'> = nodeReader,
): Promise<SourceFile> {
  if (file === '-') return sourceFile('<stdin>', await reader.readStdin());
  try {
    return sourceFile(file, await reader.readFile(file));
  } catch (e) {
    throw new LoadError(
      `cannot read '${file}': ${errnoMessage(e)}`,
      isErrno(e, 'ENOENT') ? 'missing-file' : 'unreadable',
    );
  }
}

function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

function errnoMessage(e: unknown): string {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}
