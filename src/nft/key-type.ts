// Which named-set key type an expression compares against: used to hoist anonymous sets into
// named ones and to check that an `@set` lookup has the type of the expression it is matched with
// (nft would refuse the script; catching it here names the generator bug instead).
import type { Expr, KeyType } from './model.js';

/** The named-set key type for a match's left side, or null when the set stays anonymous
 * (concatenations and expressions whose type nft cannot name, such as masked flags). */
export function setKeyType(left: Expr): KeyType | null {
  switch (left.kind) {
    case 'payload':
      if (left.field === 'sport' || left.field === 'dport') {
        return left.proto === 'tcp' ||
          left.proto === 'udp' ||
          left.proto === 'th' ||
          left.proto === 'udplite' ||
          left.proto === 'sctp' ||
          left.proto === 'dccp'
          ? 'inet_service'
          : null;
      }
      if (left.field === 'saddr' || left.field === 'daddr') {
        if (left.proto === 'ip') return 'ipv4_addr';
        if (left.proto === 'ip6') return 'ipv6_addr';
        if (left.proto === 'ether') return 'ether_addr';
        return null;
      }
      if (left.field === 'type' && left.proto === 'icmp') return 'icmp_type';
      if (left.field === 'type' && left.proto === 'icmpv6') return 'icmpv6_type';
      return null;
    case 'meta':
      if (left.key === 'l4proto') return 'inet_proto';
      if (left.key === 'pkttype') return 'pkt_type';
      if (left.key === 'iifname' || left.key === 'oifname') return 'ifname';
      return null;
    case 'fib':
      return left.result === 'type' ? 'fib_addrtype' : null;
    default:
      return null;
  }
}
