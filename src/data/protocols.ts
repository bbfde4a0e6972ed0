// Snapshot of /etc/protocols from Debian 12 netbase 6.4, taken once; this file is the source of
// truth now (fwgen never reads /etc at run time), plus `icmpv6` as pve-firewall
// get_etc_protocols adds it (docs/reference.md §pve-protocols).
//
// pve-firewall accepts a protocol that is a first name of a line (case-sensitive, lower-case;
// the upper-case aliases like `TCP` are NOT accepted) or `icmpv6`, or a number listed in the file;
// proxmox-ve-config accepts any number 0..255. Left out: `mptcp 262` (a Linux socket protocol,
// not an IP protocol number: nothing can match it in the 8-bit header field).
// Number 0 has two names (ip, hopopt); getprotobynumber and nft print `ip`.
//
// nft spelling for `meta l4proto` (`nft`): the 11 protocols nft has built-in keywords for (icmp igmp
// tcp udp dccp esp ah icmpv6 comp sctp udplite) by that keyword; every other protocol as its number.
// Reason: nft resolves other names with getprotobyname() on the host that loads the ruleset, so a
// name depends on that host's /etc/protocols (verified with nft 1.0.6: with an empty
// /etc/protocols `gre` and `ipv6-icmp` fail with "Could not resolve protocol name", the keywords
// still load). Numbers always load and mean the same everywhere.

export interface Protocol {
  /** First name of the /etc/protocols line (or `icmpv6`). */
  name: string;
  number: number;
  /** Further names on the line (upper-case spellings; pve-firewall does not accept them). */
  aliases: readonly string[];
  /** Value to write after `meta l4proto` (keyword or decimal number). */
  nft: string;
}

export const PROTOCOLS: readonly Protocol[] = [
  { name: 'ip', number: 0, aliases: ['IP'], nft: '0' },
  { name: 'hopopt', number: 0, aliases: ['HOPOPT'], nft: '0' },
  { name: 'icmp', number: 1, aliases: ['ICMP'], nft: 'icmp' },
  { name: 'igmp', number: 2, aliases: ['IGMP'], nft: 'igmp' },
  { name: 'ggp', number: 3, aliases: ['GGP'], nft: '3' },
  { name: 'ipencap', number: 4, aliases: ['IP-ENCAP'], nft: '4' },
  { name: 'st', number: 5, aliases: ['ST'], nft: '5' },
  { name: 'tcp', number: 6, aliases: ['TCP'], nft: 'tcp' },
  { name: 'egp', number: 8, aliases: ['EGP'], nft: '8' },
  { name: 'igp', number: 9, aliases: ['IGP'], nft: '9' },
  { name: 'pup', number: 12, aliases: ['PUP'], nft: '12' },
  { name: 'udp', number: 17, aliases: ['UDP'], nft: 'udp' },
  { name: 'hmp', number: 20, aliases: ['HMP'], nft: '20' },
  { name: 'xns-idp', number: 22, aliases: ['XNS-IDP'], nft: '22' },
  { name: 'rdp', number: 27, aliases: ['RDP'], nft: '27' },
  { name: 'iso-tp4', number: 29, aliases: ['ISO-TP4'], nft: '29' },
  { name: 'dccp', number: 33, aliases: ['DCCP'], nft: 'dccp' },
  { name: 'xtp', number: 36, aliases: ['XTP'], nft: '36' },
  { name: 'ddp', number: 37, aliases: ['DDP'], nft: '37' },
  { name: 'idpr-cmtp', number: 38, aliases: ['IDPR-CMTP'], nft: '38' },
  { name: 'ipv6', number: 41, aliases: ['IPv6'], nft: '41' },
  { name: 'ipv6-route', number: 43, aliases: ['IPv6-Route'], nft: '43' },
  { name: 'ipv6-frag', number: 44, aliases: ['IPv6-Frag'], nft: '44' },
  { name: 'idrp', number: 45, aliases: ['IDRP'], nft: '45' },
  { name: 'rsvp', number: 46, aliases: ['RSVP'], nft: '46' },
  { name: 'gre', number: 47, aliases: ['GRE'], nft: '47' },
  { name: 'esp', number: 50, aliases: ['IPSEC-ESP'], nft: 'esp' },
  { name: 'ah', number: 51, aliases: ['IPSEC-AH'], nft: 'ah' },
  { name: 'skip', number: 57, aliases: ['SKIP'], nft: '57' },
  { name: 'ipv6-icmp', number: 58, aliases: ['IPv6-ICMP'], nft: 'icmpv6' },
  { name: 'ipv6-nonxt', number: 59, aliases: ['IPv6-NoNxt'], nft: '59' },
  { name: 'ipv6-opts', number: 60, aliases: ['IPv6-Opts'], nft: '60' },
  { name: 'rspf', number: 73, aliases: ['RSPF', 'CPHB'], nft: '73' },
  { name: 'vmtp', number: 81, aliases: ['VMTP'], nft: '81' },
  { name: 'eigrp', number: 88, aliases: ['EIGRP'], nft: '88' },
  { name: 'ospf', number: 89, aliases: ['OSPFIGP'], nft: '89' },
  { name: 'ax.25', number: 93, aliases: ['AX.25'], nft: '93' },
  { name: 'ipip', number: 94, aliases: ['IPIP'], nft: '94' },
  { name: 'etherip', number: 97, aliases: ['ETHERIP'], nft: '97' },
  { name: 'encap', number: 98, aliases: ['ENCAP'], nft: '98' },
  { name: 'pim', number: 103, aliases: ['PIM'], nft: '103' },
  { name: 'ipcomp', number: 108, aliases: ['IPCOMP'], nft: 'comp' },
  { name: 'vrrp', number: 112, aliases: ['VRRP'], nft: '112' },
  { name: 'l2tp', number: 115, aliases: ['L2TP'], nft: '115' },
  { name: 'isis', number: 124, aliases: ['ISIS'], nft: '124' },
  { name: 'sctp', number: 132, aliases: ['SCTP'], nft: 'sctp' },
  { name: 'fc', number: 133, aliases: ['FC'], nft: '133' },
  { name: 'mobility-header', number: 135, aliases: ['Mobility-Header'], nft: '135' },
  { name: 'udplite', number: 136, aliases: ['UDPLite'], nft: 'udplite' },
  { name: 'mpls-in-ip', number: 137, aliases: ['MPLS-in-IP'], nft: '137' },
  { name: 'manet', number: 138, aliases: [], nft: '138' },
  { name: 'hip', number: 139, aliases: ['HIP'], nft: '139' },
  { name: 'shim6', number: 140, aliases: ['Shim6'], nft: '140' },
  { name: 'wesp', number: 141, aliases: ['WESP'], nft: '141' },
  { name: 'rohc', number: 142, aliases: ['ROHC'], nft: '142' },
  { name: 'ethernet', number: 143, aliases: ['Ethernet'], nft: '143' },
  { name: 'icmpv6', number: 58, aliases: [], nft: 'icmpv6' },
];

/** Protocols whose rules may carry -dport/-sport (pve-firewall $PROTOCOLS_WITH_PORTS). */
const PORT_PROTOCOLS: readonly string[] = [
  'tcp',
  'udp',
  'udplite',
  'dccp',
  'sctp',
  '6',
  '17',
  '136',
  '33',
  '132',
];

const BY_NAME: ReadonlyMap<string, Protocol> = new Map(PROTOCOLS.map((p) => [p.name, p] as const));

/** First entry per number (so 0 = ip, 58 = ipv6-icmp). */
const BY_NUMBER: ReadonlyMap<number, Protocol> = new Map(
  [...PROTOCOLS].reverse().map((p) => [p.number, p] as const),
);

export interface FoundProtocol {
  /** The name as looked up, or for a number its /etc/protocols name (the number itself if unlisted). */
  name: string;
  number: number;
  /** Named in /etc/protocols (or icmpv6): pve-firewall accepts it. false = an unlisted number,
   * which only proxmox-ve-config accepts. */
  listed: boolean;
  /** Value to write after `meta l4proto`. */
  nft: string;
}

/** A protocol by first name (case-sensitive, plus `icmpv6`) or by decimal number 0..255 (no sign,
 * no leading zeros: pve-firewall compares the text with its table keys). */
export function findProtocol(nameOrNumber: string | number): FoundProtocol | undefined {
  const text = String(nameOrNumber);
  if (/^(0|[1-9][0-9]{0,2})$/.test(text)) {
    const number = Number(text);
    if (number > 255) return undefined;
    const p = BY_NUMBER.get(number);
    return p
      ? { name: p.name, number, listed: true, nft: p.nft }
      : { name: text, number, listed: false, nft: text };
  }
  const p = BY_NAME.get(text);
  return p ? { name: p.name, number: p.number, listed: true, nft: p.nft } : undefined;
}

/** Whether rules with this protocol (name or number as written) may have ports. */
export function protocolHasPorts(proto: string): boolean {
  return PORT_PROTOCOLS.includes(proto);
}
