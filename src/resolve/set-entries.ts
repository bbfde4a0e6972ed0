// An ipset's entries → the addresses that match, the pve-firewall way (ipset hash:net: the most
// specific matching entry decides), computed exactly with cidr-tools: entries are applied from the
// widest to the narrowest prefix, a match entry adding and a nomatch entry removing.
import { excludeCidr, mergeCidr } from 'cidr-tools';
import { parseCidrText } from './check-address.js';
import type { Cidr, IpFamily, IpSet } from './ir.js';

export interface SetEntry {
  cidr: Cidr;
  nomatch: boolean;
}

export function buildIpSet(p: Omit<IpSet, 'v4' | 'v6'> & { entries: SetEntry[] }): IpSet {
  const { entries, ...rest } = p;
  return { ...rest, v4: effective(entries, 4), v6: effective(entries, 6) };
}

/** The addresses that match: for each address, the longest entry containing it decides. */
export function effective(entries: readonly SetEntry[], family: IpFamily): Cidr[] {
  const mine = entries
    .filter((e) => e.cidr.family === family)
    .sort((a, b) => a.cidr.len - b.cidr.len);
  // Entries of one prefix length never overlap (duplicates are refused), so their order does not
  // matter: one merge and one exclude per length, widest first.
  let result: string[] = [];
  for (let i = 0; i < mine.length;) {
    const len = mine[i]!.cidr.len;
    const add: string[] = [];
    const remove: string[] = [];
    for (; i < mine.length && mine[i]!.cidr.len === len; i++)
      (mine[i]!.nomatch ? remove : add).push(`${mine[i]!.cidr.addr}/${len}`);
    if (add.length > 0) result = mergeCidr([...result, ...add]);
    if (remove.length > 0) result = excludeCidr(result, remove);
  }
  return result.map((t) => parseCidrText(t)!).filter(Boolean);
}
