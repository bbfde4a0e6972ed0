// parseNetworkXml: one libvirt network XML document (`virsh net-dumpxml`, /etc/libvirt/qemu/networks)
// → its bridge and forward mode: what `<interface type='network'>` resolves to, and whether its
// guests are routed (nat/route/open: the host forwards their traffic) and served by dnsmasq.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Diagnostics } from '../diag/diagnostic.js';
import { spanOf, type SourceFile } from '../diag/span.js';

export interface LibvirtNetwork {
  name: string;
  /** `<bridge name>`; null for `<forward mode='bridge|passthrough|hostdev|…'>` networks on macvtap */
  bridge: string | null;
  /** `<forward mode>`: nat (the default network), route, open, bridge…; null = isolated */
  forward: string | null;
  /** libvirt runs dnsmasq for it: an `<ip>` with `<dhcp>`, or DNS not disabled on a bridge it owns */
  dhcp: boolean;
  dns: boolean;
  file: SourceFile;
}

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  isArray: (n) => n === 'ip',
});

/** libvirt's own default network, for a persistent `<source network='default'/>` with no XML at hand. */
export const DEFAULT_NETWORK = {
  name: 'default',
  bridge: 'virbr0',
  forward: 'nat',
  dhcp: true,
  dns: true,
} as const;

export function parseNetworkXml(file: SourceFile, diags: Diagnostics): LibvirtNetwork | null {
  const at = spanOf(file, 0, Math.min(1, file.text.length));
  if (XMLValidator.validate(file.text) !== true) {
    diags.error('invalid-network-xml', at, 'invalid XML in a libvirt network definition');
    return null;
  }
  const net = (parser.parse(file.text) as Node).network as Node | undefined;
  const name = typeof net?.name === 'string' ? net.name.trim() : '';
  if (!net || name === '') {
    diags.error('invalid-network-xml', at, 'not a libvirt network: no <network> with a <name>');
    return null;
  }
  const attr = (n: unknown, k: string): string | null => {
    const v = typeof n === 'object' && n !== null ? (n as Node)[`@${k}`] : undefined;
    return typeof v === 'string' ? v : null;
  };
  // `<forward/>` is nat
  const forward = net.forward === undefined ? null : (attr(net.forward, 'mode') ?? 'nat');

  const ips = (net.ip as unknown[] | undefined) ?? [];
  const ownsBridge =
    forward === null || forward === 'nat' || forward === 'route' || forward === 'open';
  return {
    name,
    bridge: attr(net.bridge, 'name'),
    forward,
    dhcp: ownsBridge && ips.some((ip) => typeof ip === 'object' && ip !== null && 'dhcp' in ip),
    dns: ownsBridge && forward !== 'open' && attr(net.dns, 'enable') !== 'no' && ips.length > 0,
    file,
  };
}
