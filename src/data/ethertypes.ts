// Snapshot of /etc/ethertypes from Debian 12 netbase 6.4 (the file a Proxmox VE 8 host has),
// taken once; fwgen never reads /etc at run time. Used for the guest option `layer2_protocols`
// (docs/decisions.md "layer2_protocols").
//
// What is accepted, and why: pve-firewall hands each entry to ebtables `-p`, which takes a name
// or alias of this file (case-insensitive) or a hexadecimal number 0x0600..0xffff (smaller
// values are 802.3 lengths). pve-firewall's own check (verify_ethertype) is narrower by accident:
// its parser keeps only lines whose number has no hex letters, so `IPv6` (86DD) or `LLDP` (88CC)
// make it drop the whole option. fwgen accepts what ebtables accepts.
//
// nft spelling: nft knows `ip arp ip6 8021q 8021ad vlan` for `ether type`; every other type is
// written as a hexadecimal number, which needs no name lookup on the loading host.

export interface EtherType {
  /** First name of the line, as written in the file. */
  name: string;
  number: number;
  aliases: readonly string[];
  comment: string;
}

export const ETHERTYPES: readonly EtherType[] = [
  { name: 'IPv4', number: 0x0800, aliases: ['ip', 'ip4'], comment: 'IP (IPv4)' },
  { name: 'X25', number: 0x0805, aliases: [], comment: '' },
  { name: 'ARP', number: 0x0806, aliases: ['ether-arp'], comment: 'Address Resolution Protocol' },
  { name: 'FR_ARP', number: 0x0808, aliases: [], comment: 'Frame Relay ARP [RFC1701]' },
  { name: 'BPQ', number: 0x08ff, aliases: [], comment: 'G8BPQ AX.25 over Ethernet' },
  { name: 'TRILL', number: 0x22f3, aliases: [], comment: 'TRILL [RFC6325]' },
  { name: 'L2-IS-IS', number: 0x22f4, aliases: [], comment: 'TRILL IS-IS [RFC6325]' },
  { name: 'TEB', number: 0x6558, aliases: [], comment: 'Transparent Ethernet Bridging [RFC1701]' },
  { name: 'RAW_FR', number: 0x6559, aliases: [], comment: 'Raw Frame Relay [RFC1701]' },
  { name: 'RARP', number: 0x8035, aliases: [], comment: 'Reverse ARP [RFC903]' },
  { name: 'ATALK', number: 0x809b, aliases: [], comment: 'Appletalk' },
  { name: 'AARP', number: 0x80f3, aliases: [], comment: 'Appletalk Address Resolution Protocol' },
  {
    name: '802_1Q',
    number: 0x8100,
    aliases: ['8021q', '1q', '802.1q', 'dot1q'],
    comment: 'VLAN tagged frame [802.1q]',
  },
  { name: 'IPX', number: 0x8137, aliases: [], comment: 'Novell IPX' },
  { name: 'NetBEUI', number: 0x8191, aliases: [], comment: 'NetBEUI' },
  { name: 'IPv6', number: 0x86dd, aliases: ['ip6'], comment: 'IP version 6' },
  { name: 'PPP', number: 0x880b, aliases: [], comment: 'Point-to-Point Protocol' },
  { name: 'MPLS', number: 0x8847, aliases: [], comment: 'MPLS [RFC5332]' },
  {
    name: 'MPLS_MULTI',
    number: 0x8848,
    aliases: [],
    comment: 'MPLS with upstream-assigned label [RFC5332]',
  },
  { name: 'ATMMPOA', number: 0x884c, aliases: [], comment: 'MultiProtocol over ATM' },
  { name: 'PPP_DISC', number: 0x8863, aliases: [], comment: 'PPP over Ethernet discovery stage' },
  { name: 'PPP_SES', number: 0x8864, aliases: [], comment: 'PPP over Ethernet session stage' },
  {
    name: 'ATMFATE',
    number: 0x8884,
    aliases: [],
    comment: 'Frame-based ATM Transport over Ethernet',
  },
  { name: 'EAPOL', number: 0x888e, aliases: [], comment: 'EAP over LAN [802.1x]' },
  {
    name: 'S-TAG',
    number: 0x88a8,
    aliases: [],
    comment: 'QinQ Service VLAN tag identifier [802.1q]',
  },
  {
    name: 'EAP_PREAUTH',
    number: 0x88c7,
    aliases: [],
    comment: 'EAPOL Pre-Authentication [802.11i]',
  },
  { name: 'LLDP', number: 0x88cc, aliases: [], comment: 'Link Layer Discovery Protocol [802.1ab]' },
  {
    name: 'MACSEC',
    number: 0x88e5,
    aliases: [],
    comment: 'Media Access Control Security [802.1ae]',
  },
  {
    name: 'PBB',
    number: 0x88e7,
    aliases: ['macinmac'],
    comment: 'Provider Backbone Bridging [802.1ah]',
  },
  {
    name: 'MVRP',
    number: 0x88f5,
    aliases: [],
    comment: 'Multiple VLAN Registration Protocol [802.1q]',
  },
  { name: 'PTP', number: 0x88f7, aliases: [], comment: 'Precision Time Protocol' },
  { name: 'FCOE', number: 0x8906, aliases: [], comment: 'Fibre Channel over Ethernet' },
  { name: 'FIP', number: 0x8914, aliases: [], comment: 'FCoE Initialization Protocol' },
  { name: 'ROCE', number: 0x8915, aliases: [], comment: 'RDMA over Converged Ethernet' },
  { name: 'LoWPAN', number: 0xa0ed, aliases: [], comment: 'LoWPAN encapsulation' },
];

/** nft's own names for `ether type` values (nft 1.0.6 `nft describe ether type`). */
const NFT_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0800, 'ip'],
  [0x0806, 'arp'],
  [0x86dd, 'ip6'],
  [0x8100, '8021q'],
  [0x88a8, '8021ad'],
]);

/** The ethertype an entry of `layer2_protocols` names, as ebtables `-p` reads it: a name or alias
 * (any case) or a hexadecimal number (optional `0x`) from 0x0600 to 0xffff; undefined otherwise. */
export function ethertypeNumber(entry: string): number | undefined {
  const lower = entry.toLowerCase();
  const byName = ETHERTYPES.find(
    (t) => t.name.toLowerCase() === lower || t.aliases.some((a) => a.toLowerCase() === lower),
  );
  if (byName) return byName.number;
  const m = /^(?:0x)?([0-9a-f]{1,4})$/.exec(lower);
  if (!m) return undefined;
  const n = parseInt(m[1]!, 16);
  return n >= 0x0600 ? n : undefined;
}

/** How an ethertype is written after `ether type`: nft's name, else `0x` and four hex digits. */
export function ethertypeNft(n: number): string {
  return NFT_NAMES.get(n) ?? `0x${n.toString(16).padStart(4, '0')}`;
}
