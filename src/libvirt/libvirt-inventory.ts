// libvirtInventory: parsed libvirt domains and networks + the fwgen config files → CompileSources,
// the same shape loadTree gives for /etc/pve. Pure: the loader (load/load-libvirt.ts) reads.
// Every bridge-attached interface (type bridge, or network with a bridge) becomes a NIC with
// firewall=1 and its real tap name; a guest is filtered when `guests/<domain>.fw` exists.
import type { DiagnosticCode } from '../diag/codes.js';
import type { Diagnostics } from '../diag/diagnostic.js';
import type { SourceFile } from '../diag/span.js';
import type { CompileSources, DomainGuestSource, DomainNic } from '../load/sources.js';
import { guestIds } from './guest-ids.js';
import type { LibvirtDomain, LibvirtInterface } from './parse-domain-xml.js';
import { DEFAULT_NETWORK, type LibvirtNetwork } from './parse-network-xml.js';

export interface LibvirtInventoryInput {
  node: string;
  /** `<config-dir>/cluster.fw`, `<config-dir>/host.fw` */
  cluster: SourceFile | null;
  host: SourceFile | null;
  domains: readonly LibvirtDomain[];
  networks: readonly LibvirtNetwork[];
  /** `<config-dir>/guests/<domain>.fw` by domain name */
  guestFiles: ReadonlyMap<string, SourceFile>;
}

export interface InventoryGuest {
  name: string;
  /** The synthetic vmid (guest-ids.ts) */
  vmid: number;
  running: boolean;
  nics: { index: number; device: string; bridge: string; mac: string | null }[];
}

export interface LibvirtInventory {
  sources: CompileSources;
  guests: InventoryGuest[];
  /** Bridges of libvirt networks whose dnsmasq serves DHCP or DNS (the libvirt-services input). */
  serviceBridges: string[];
  /** Bridges of networks whose guests the host routes (forward nat/route/open): need ip_forward. */
  routedBridges: string[];
}

const MAC = /^[0-9a-f][02468ace](?::[0-9a-f]{2}){5}$/;

export function libvirtInventory(
  input: LibvirtInventoryInput,
  diags: Diagnostics,
): LibvirtInventory {
  const domains = pickDomains(input.domains, diags);
  const networks = new Map(input.networks.map((n) => [n.name, n]));
  const ids = guestIds(domains.map((d) => d.name));
  const usedNetworks = new Map<
    string,
    Pick<LibvirtNetwork, 'bridge' | 'forward' | 'dhcp' | 'dns'>
  >();
  for (const n of input.networks) usedNetworks.set(n.name, n);

  const guests: InventoryGuest[] = [];
  const sources: DomainGuestSource[] = [];
  for (const d of domains) {
    const vmid = ids.get(d.name)!;
    const fw = input.guestFiles.get(d.name) ?? null;
    const nics: DomainNic[] = [];
    for (const i of d.interfaces) {
      const bridge = bridgeOf(d, i, networks, usedNetworks, fw !== null, diags);
      if (bridge === null) continue;
      if (i.device === null) {
        // libvirt names taps vnetN at start and drops the name from the persistent form.
        if (fw)
          diags.warning(
            'libvirt-no-device',
            i.span,
            `interface ${i.index} of domain '${d.name}' has no target device ` +
              '(the domain is not running): it is filtered once it runs and fwgen applies again',
          );
        continue;
      }
      if (i.mac !== null && !MAC.test(i.mac)) {
        diags.error(
          'invalid-mac',
          i.span,
          `interface ${i.index} of domain '${d.name}' has an invalid or multicast MAC address '${i.mac}'`,
        );
        continue;
      }
      nics.push({ span: i.span, index: i.index, mac: i.mac, bridge, device: i.device });
    }
    const type = d.hypervisor === 'lxc' ? 'lxc' : 'qemu';
    sources.push({
      vmid,
      type,
      fw,
      domain: { file: d.file, nics },
    });
    guests.push({
      name: d.name,
      vmid,
      running: d.running,
      nics: nics.map((n) => ({ index: n.index, device: n.device, bridge: n.bridge, mac: n.mac })),
    });
  }
  for (const [name, file] of input.guestFiles) {
    if (!ids.has(name))
      diags.warning(
        'unknown-domain',
        undefined,
        `${file.path}: no libvirt domain named '${name}': the file is not used`,
      );
  }
  sources.sort((a, b) => a.vmid - b.vmid);
  const bridges = (
    pred: (n: Pick<LibvirtNetwork, 'bridge' | 'forward' | 'dhcp' | 'dns'>) => boolean,
  ): string[] =>
    [
      ...new Set(
        [...usedNetworks.values()]
          .filter((n) => n.bridge !== null && pred(n))
          .map((n) => n.bridge!),
      ),
    ].sort();
  return {
    sources: {
      node: input.node,
      cluster: input.cluster,
      host: input.host,
      guests: sources,
      corosync: null,
      vnets: [],
    },
    guests,
    serviceBridges: bridges((n) => n.dhcp || n.dns),
    routedBridges: bridges(
      (n) => n.forward === 'nat' || n.forward === 'route' || n.forward === 'open',
    ),
  };
}

/** One document per domain; a running form (virsh dumpxml of a live domain) beats a persistent one. */
function pickDomains(list: readonly LibvirtDomain[], diags: Diagnostics): LibvirtDomain[] {
  const byName = new Map<string, LibvirtDomain>();
  for (const d of list) {
    const seen = byName.get(d.name);
    if (seen === undefined || (d.running && !seen.running)) byName.set(d.name, d);
    else if (seen.running === d.running) {
      diags.error('duplicate-domain', d.span, `a second definition of domain '${d.name}'`, [
        { message: `'${d.name}' is first defined here`, span: seen.span },
      ]);
    }
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function bridgeOf(
  d: LibvirtDomain,
  i: LibvirtInterface,
  networks: ReadonlyMap<string, LibvirtNetwork>,
  used: Map<string, Pick<LibvirtNetwork, 'bridge' | 'forward' | 'dhcp' | 'dns'>>,
  wanted: boolean,
  diags: Diagnostics,
): string | null {
  const warn = (code: DiagnosticCode, message: string): null => {
    if (wanted) diags.warning(code, i.span, message);
    return null;
  };
  switch (i.type) {
    case 'bridge':
      return (
        i.bridge ??
        warn(
          'libvirt-interface',
          `interface ${i.index} of domain '${d.name}' names no source bridge: it is not filtered`,
        )
      );
    case 'network': {
      const net = i.network === null ? undefined : networks.get(i.network);
      if (i.network === DEFAULT_NETWORK.name && net === undefined && !used.has(i.network))
        used.set(i.network, DEFAULT_NETWORK);
      // A running form carries the bridge; otherwise the network's XML, or libvirt's stock default.
      const bridge =
        i.bridge ??
        net?.bridge ??
        (i.network === DEFAULT_NETWORK.name && net === undefined ? DEFAULT_NETWORK.bridge : null);
      if (bridge !== null) return bridge;
      return warn(
        'libvirt-interface',
        net
          ? `interface ${i.index} of domain '${d.name}' uses network '${i.network}' ` +
              `(forward mode ${net.forward ?? 'none'}), which has no bridge: ` +
              'macvtap traffic passes no bridge and cannot be filtered'
          : `interface ${i.index} of domain '${d.name}' ` +
              `uses unknown network '${i.network ?? ''}': it is not filtered`,
      );
    }
    case 'direct':
      return warn(
        'libvirt-direct-interface',
        `interface ${i.index} of domain '${d.name}' ` +
          `is a direct (macvtap) interface on '${i.sourceDev ?? '?'}': ` +
          'its traffic passes no bridge, so fwgen cannot filter it; ' +
          'attach it to a bridge or a libvirt network instead',
      );
    default:
      return warn(
        'libvirt-interface',
        `interface ${i.index} of domain '${d.name}' has type '${i.typeName}', ` +
          'which is not attached to a bridge: it is not filtered',
      );
  }
}
