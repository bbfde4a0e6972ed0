// The packet `fwgen simulate` follows and the hook points it passes (one per base-chain hook of
// one family). Plain data: zones.ts builds them, evaluate.ts reads them.
import type * as nft from '../nft/model.js';

export interface Packet {
  family: 4 | 6;
  /** IP protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6, …). */
  proto: number;
  saddr: string;
  daddr: string;
  /** tcp/udp/udplite/sctp/dccp only */
  sport: number | null;
  dport: number | null;
  /** icmp/icmpv6 only */
  icmpType: number | null;
  icmpCode: number | null;
  smac: string;
  dmac: string;
  /** The conntrack state the packet has: a first packet (`new`), one of a connection the kernel
   * already saw both ways (`--established`; TCP flags follow: SYN vs ACK), or what conntrack
   * makes of ICMP that opens no connection (ctState in simulate.ts). */
  ct: 'new' | 'established' | 'related' | 'invalid' | 'untracked';
}

/** One hook the packet passes, with the devices netfilter sees there. */
export interface Hop {
  family: 'bridge' | 'inet';
  hook: nft.Hook;
  iif: string | null;
  oif: string | null;
  /** bridge hooks: the bridges of iif / oif */
  ibr: string | null;
  obr: string | null;
  /** skb->pkt_type as the hook sees it (nft `meta pkttype`). */
  pkttype: 'host' | 'broadcast' | 'multicast' | 'other';
  /** Why this hop is on the path (shown with --verbose): `vmbr0: eth0 -> tap100i0`. */
  note: string;
}

/** What the node's IP stack knows about its own addresses (`fib … type`). */
export interface HostAddrs {
  /** The host's addresses with their prefix length (`192.0.2.1/24`). */
  addrs: { family: 4 | 6; addr: string; len: number }[];
}
