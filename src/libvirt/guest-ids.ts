// guestIds: libvirt domain names → the numbers fwgen's names use where Proxmox has a vmid (chain
// names `g<id>_net<N>_…`, NFLOG prefixes `:<id>:…`). libvirt has no vmid, so the number is a hash
// of the name: the same domain keeps its number across restarts and when other domains come and go.

/** 8 digits, above any vmid a Proxmox cluster hands out by default (100…99,999,999 are allowed
 * there, but a host is either Proxmox or libvirt in fwgen). */
const BASE = 10_000_000;
const SPAN = 90_000_000;

/** FNV-1a, 32 bits, over the UTF-8 bytes of the name. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Deterministic for a given set of names: collisions (rare: ~n²/1.8e8) are resolved by probing
 * upwards, names taken in sorted order, so only the later of two colliding names moves. */
export function guestIds(names: Iterable<string>): Map<string, number> {
  const ids = new Map<string, number>();
  const taken = new Set<number>();
  for (const name of [...new Set(names)].sort()) {
    let slot = fnv1a(name) % SPAN;
    while (taken.has(BASE + slot)) slot = (slot + 1) % SPAN;
    taken.add(BASE + slot);
    ids.set(name, BASE + slot);
  }
  return ids;
}
