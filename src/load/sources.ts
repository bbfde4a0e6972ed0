// CompileSources: what load hands to compile, one node's inputs. Files are unparsed text, with two
// exceptions that load owns because it needs them before compile: corosync.conf is parsed here
// once (local-network detection needs the node list) and carries its diagnostics along, and a
// libvirt guest carries the NICs its inventory read from domain XML (plain data, not an AST:
// compile turns them into the guest config the resolver reads).
import type { Diagnostic } from '../diag/diagnostic.js';
import type { SourceFile, Span } from '../diag/span.js';
import type * as ast from '../syntax/ast.js';
import type { SdnSource } from './parse-sdn.js';

/** A NIC of a libvirt domain: bridge-attached, with the tap name libvirt gave it. */
export interface DomainNic {
  span: Span;
  index: number;
  mac: string | null;
  bridge: string;
  device: string;
}

interface GuestBase {
  vmid: number;
  type: 'qemu' | 'lxc';
  /** `<vmid>.fw` (pve) or `guests/<domain>.fw` (libvirt); null when absent */
  fw: SourceFile | null;
}

/** pve: `conf` is `qemu-server/<vmid>.conf` or `lxc/<vmid>.conf`, parsed by compile. */
interface ConfGuestSource extends GuestBase {
  conf: SourceFile;
}

/** libvirt: the domain XML (`file`, for the input key and spans) and its filtered NICs. */
export interface DomainGuestSource extends GuestBase {
  domain: { file: SourceFile; nics: readonly DomainNic[] };
}

type GuestSource = ConfGuestSource | DomainGuestSource;

interface CorosyncSource {
  file: SourceFile;
  conf: ast.CorosyncConf;
  /** The parse's diagnostics, reported by compile as if it had parsed the file itself. */
  diagnostics: readonly Diagnostic[];
}

export interface CompileSources {
  node: string;
  cluster: SourceFile | null;
  host: SourceFile | null;
  guests: readonly GuestSource[];
  corosync: CorosyncSource | null;
  vnets?: readonly SourceFile[];
  /** SDN running config and IPAM state, parsed by load (src/load/parse-sdn.ts); absent: none. */
  sdn?: SdnSource;
}
