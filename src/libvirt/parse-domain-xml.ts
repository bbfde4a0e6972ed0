// parseDomainXml: one libvirt domain XML document (`virsh dumpxml`, or /etc/libvirt/qemu/*.xml)
// → the domain's name and its interfaces. Reads only what the firewall needs; never throws on
// user input (bad XML is a diagnostic). Running and persistent forms differ only in `id`,
// `<target dev>` (libvirt drops generated vnetN names from the persistent form) and the
// network interface's `bridge` attribute.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Diagnostics } from '../diag/diagnostic.js';
import { spanOf, type SourceFile, type Span } from '../diag/span.js';

export type InterfaceType = 'bridge' | 'network' | 'direct' | 'other';

export interface LibvirtInterface {
  /** Position among the domain's `<interface>` elements, 0-based: the `netN` of chain names. */
  index: number;
  /** libvirt's type attribute as written (`bridge`, `network`, `direct`, `user`, `vhostuser`…) */
  typeName: string;
  type: InterfaceType;
  /** lower case, as in `<mac address>`; null when absent (libvirt generates one at start) */
  mac: string | null;
  /** `<source bridge>` (bridge), or the `bridge` attribute libvirt adds to a running network one */
  bridge: string | null;
  /** `<source network>` */
  network: string | null;
  /** `<source dev>` of a direct (macvtap) interface */
  sourceDev: string | null;
  /** `<target dev>`: the bridge port (tap) device; null in most persistent forms */
  device: string | null;
  span: Span;
}

export interface LibvirtDomain {
  name: string;
  uuid: string | null;
  /** `<domain type>`: kvm, qemu, lxc… */
  hypervisor: string;
  /** `id` present and not -1: dumped from a running domain */
  running: boolean;
  interfaces: LibvirtInterface[];
  file: SourceFile;
  span: Span;
}

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (_name, jpath) => jpath === 'domain.devices.interface' || jpath === 'domain.devices',
});

export function parseDomainXml(file: SourceFile, diags: Diagnostics): LibvirtDomain | null {
  const whole = spanOf(file, 0, Math.min(file.text.length, 1));
  const valid = XMLValidator.validate(file.text);
  if (valid !== true) {
    const { line, col, msg } = valid.err;
    const offset = offsetOf(file.text, line, col);
    diags.error(
      'invalid-domain-xml',
      spanOf(file, offset, offset + 1),
      `invalid XML: ${msg.replace(/\.$/, '').toLowerCase()}`,
    );
    return null;
  }
  const doc = parser.parse(file.text) as Node;
  const domain = doc.domain as Node | undefined;
  if (typeof domain !== 'object' || domain === null) {
    diags.error('invalid-domain-xml', whole, 'not a libvirt domain: no <domain> element');
    return null;
  }
  const name = text(domain.name);
  if (name === null || name === '' || name.includes('/') || name.startsWith('.')) {
    diags.error(
      'invalid-domain-xml',
      whole,
      name ? `invalid domain name '${name}'` : 'domain without <name>',
    );
    return null;
  }
  const id = attr(domain, 'id');
  const starts = elementOffsets(file.text, 'interface');
  const devices = ((domain.devices as Node[] | undefined) ?? []).filter(
    (d) => typeof d === 'object' && d !== null,
  );
  const list = devices.flatMap((d) => (d.interface as Node[] | undefined) ?? []);
  const interfaces = list.map((n, index): LibvirtInterface => {
    const typeName = attr(n, 'type') ?? '';
    const source = child(n, 'source');
    const start = starts[index] ?? 0;
    return {
      index,
      typeName,
      type:
        typeName === 'bridge' || typeName === 'network' || typeName === 'direct'
          ? typeName
          : 'other',
      mac: attr(child(n, 'mac'), 'address')?.toLowerCase() ?? null,
      bridge: attr(source, 'bridge'),
      network: attr(source, 'network'),
      sourceDev: typeName === 'direct' ? attr(source, 'dev') : null,
      device: attr(child(n, 'target'), 'dev'),
      span: spanOf(file, start, start + '<interface'.length),
    };
  });
  const domainStart = elementOffsets(file.text, 'domain')[0] ?? 0;
  return {
    name,
    uuid: text(domain.uuid),
    hypervisor: attr(domain, 'type') ?? 'kvm',
    running: id !== null && id !== '-1',
    interfaces,
    file,
    span: spanOf(file, domainStart, domainStart + '<domain'.length),
  };
}

function child(n: Node | undefined, key: string): Node | undefined {
  const c = n?.[key];
  const first = Array.isArray(c) ? c[0] : c;
  return typeof first === 'object' && first !== null ? (first as Node) : undefined;
}

function attr(n: Node | undefined, key: string): string | null {
  const v = n?.[`@${key}`];
  return typeof v === 'string' ? v.trim() : null;
}

function text(v: unknown): string | null {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'object' && v !== null && typeof (v as Node)['#text'] === 'string')
    return ((v as Node)['#text'] as string).trim();
  return null;
}

/** Offsets of `<tag …` openings outside comments, in document order (spans for diagnostics). */
function elementOffsets(xml: string, tag: string): number[] {
  const blanked = xml.replace(/<!--[\s\S]*?-->/g, (c) => ' '.repeat(c.length));
  const out: number[] = [];
  for (const m of blanked.matchAll(new RegExp(`<${tag}(?=[\\s/>])`, 'g'))) out.push(m.index);
  return out;
}

function offsetOf(text: string, line: number, col: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', offset);
    if (nl < 0) break;
    offset = nl + 1;
  }
  return Math.min(text.length, offset + Math.max(0, col - 1));
}
