// loadLibvirt: the libvirt inventory's files, unparsed: domain and network XML from a directory
// (`--libvirt-xml DIR`: DIR/*.xml + DIR/networks/*.xml, the layout of /etc/libvirt/qemu) or from
// `virsh dumpxml` of the running domains, plus fwgen's own .fw files (`<config-dir>/cluster.fw`,
// `host.fw`, `guests/<domain>.fw`). Reads only; changes nothing in libvirt.
import path from 'node:path';
import { execa } from 'execa';
import { sourceFile, type SourceFile } from '../diag/span.js';
import { nodeReader, type FileReader } from './file-reader.js';
import { LoadError, readOptional } from './load-tree.js';

export interface LibvirtLoadOptions {
  /** fwgen's config directory (default /etc/fwgen) */
  configDir: string;
  /** Read XML from here instead of asking virsh. */
  xmlDir?: string;
  /** virsh connection URI (default qemu:///system) */
  uri?: string;
  env?: Record<string, string | undefined>;
  reader?: FileReader;
}

export interface LibvirtFiles {
  domains: SourceFile[];
  networks: SourceFile[];
  cluster: SourceFile | null;
  host: SourceFile | null;
  guestFiles: Map<string, SourceFile>;
}

export async function loadLibvirt(opts: LibvirtLoadOptions): Promise<LibvirtFiles> {
  const reader = opts.reader ?? nodeReader;
  const read = (file: string): Promise<SourceFile | null> => readOptional(file, reader);
  const xml =
    opts.xmlDir !== undefined
      ? await fromDirectory(opts.xmlDir, reader)
      : await fromVirsh(opts.uri ?? 'qemu:///system', opts.env);
  const guestFiles = new Map<string, SourceFile>();
  const guestDir = path.join(opts.configDir, 'guests');
  for (const rel of (await reader.glob('*.fw', guestDir, 'files')).sort()) {
    const f = await read(path.join(guestDir, rel));
    if (f) guestFiles.set(rel.slice(0, -'.fw'.length), f);
  }
  return {
    ...xml,
    cluster: await read(path.join(opts.configDir, 'cluster.fw')),
    host: await read(path.join(opts.configDir, 'host.fw')),
    guestFiles,
  };
}

async function fromDirectory(
  dir: string,
  reader: FileReader,
): Promise<Pick<LibvirtFiles, 'domains' | 'networks'>> {
  const read = async (pattern: string): Promise<SourceFile[]> => {
    const out: SourceFile[] = [];
    for (const rel of (await reader.glob(pattern, dir, 'files')).sort()) {
      const f = await readOptional(path.join(dir, rel), reader);
      if (f) out.push(f);
    }
    return out;
  };
  if (!(await reader.isDirectory(dir)))
    throw new LoadError(`no such directory '${dir}'`, 'missing-root');
  return { domains: await read('*.xml'), networks: await read('networks/*.xml') };
}

/** Only running domains: a stopped one has no tap device to filter (the timer picks it up later). */
async function fromVirsh(
  uri: string,
  env: Record<string, string | undefined> | undefined,
): Promise<Pick<LibvirtFiles, 'domains' | 'networks'>> {
  const virsh = env?.FWGEN_VIRSH ?? 'virsh';
  const run = async (...args: string[]): Promise<string> => {
    const r = await execa(virsh, ['-q', '-c', uri, ...args], {
      reject: false,
      env: { LC_ALL: 'C' },
    });
    if (r.failed) {
      const why =
        r.code === 'ENOENT'
          ? `'${virsh}' not found (install libvirt-clients, or use --libvirt-xml DIR)`
          : String(r.stderr).trim().split('\n')[0];
      throw new LoadError(`cannot ask libvirt: virsh ${args.join(' ')}: ${why}`, 'unreadable');
    }
    return String(r.stdout);
  };
  const names = (text: string): string[] =>
    text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
  const domains: SourceFile[] = [];
  for (const name of names(await run('list', '--name')))
    domains.push(sourceFile(`<virsh dumpxml ${name}>`, await run('dumpxml', '--', name)));
  const networks: SourceFile[] = [];
  for (const name of names(await run('net-list', '--name')))
    networks.push(sourceFile(`<virsh net-dumpxml ${name}>`, await run('net-dumpxml', '--', name)));
  return { domains, networks };
}
