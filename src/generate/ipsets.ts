// Named sets of one table: one interval set per (ipset, family) that a rule of that table
// actually references, elements = the ipset's (already disjoint) CIDRs in address order. In the
// bridge table guest ipsets go to table-wide port-keyed sets instead (guest-ipsets.ts).
import type * as ir from '../resolve/ir.js';
import type * as nft from '../nft/model.js';
import { names } from './names.js';

interface Entry {
  set: ir.IpSet;
  family: ir.IpFamily;
  name: string;
}

/** How one chain writes a rule's ipset match: `ip saddr @v4_dc/x` here, a port-keyed lookup for
 * guest ipsets in the bridge table (guest-ipsets.ts). rule-stmts.ts asks it for every ipset. */
export interface SetLookup {
  /** `<addr> @set` for the `family` part of `set`, registering what it needs. */
  match(set: ir.IpSet, family: ir.IpFamily, addr: nft.Expr): nft.Stmt;
}

/** The sets one table uses; `ref` registers on first use and returns the `@name` value. */
export class IpSets implements SetLookup {
  private readonly byName = new Map<string, Entry>();
  private readonly byObject = new Map<ir.IpSet, Map<ir.IpFamily, string>>();

  /** The CIDRs of one family of an ipset. */
  static cidrs(set: ir.IpSet, family: ir.IpFamily): ir.Cidr[] {
    return family === 4 ? set.v4 : set.v6;
  }

  /** Name of the named set holding `family` of `set`, registering it. Two distinct ipset objects
   * with the same key and the same content share a set; with different content (should not
   * happen: keys are unique in the IR) the second gets a numbered name instead of clobbering. */
  name(set: ir.IpSet, family: ir.IpFamily): string {
    const known = this.byObject.get(set)?.get(family);
    if (known !== undefined) return known;
    const base = names.ipset(set.key, family);
    let candidate = base;
    for (let i = 2; ; i++) {
      const other = this.byName.get(candidate);
      if (other === undefined) break;
      if (
        other.family === family &&
        sameCidrs(IpSets.cidrs(other.set, family), IpSets.cidrs(set, family))
      )
        break;
      candidate = `${base}_${i}`;
    }
    if (!this.byName.has(candidate)) this.byName.set(candidate, { set, family, name: candidate });
    let perFamily = this.byObject.get(set);
    if (!perFamily) {
      perFamily = new Map();
      this.byObject.set(set, perFamily);
    }
    perFamily.set(family, candidate);
    return candidate;
  }

  /** `@name` for a rule. */
  ref(set: ir.IpSet, family: ir.IpFamily): nft.Value {
    return { kind: 'set-ref', name: this.name(set, family) };
  }

  match(set: ir.IpSet, family: ir.IpFamily, addr: nft.Expr): nft.Stmt {
    return { kind: 'match', left: addr, op: '==', right: this.ref(set, family) };
  }

  /** The named sets, sorted by name. A set may be empty: a positive match on it never matches.
   * (ipfilter does not come through here: guest-table.ts keeps it in two table-wide sets.) */
  toNamedSets(): nft.NamedSet[] {
    return [...this.byName.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((e) => {
        const set: nft.NamedSet = {
          name: e.name,
          type: e.family === 4 ? 'ipv4_addr' : 'ipv6_addr',
          interval: true,
          autoMerge: true,
          elements: sortCidrs(IpSets.cidrs(e.set, e.family)).map(cidrValue),
        };
        const comment = e.set.comment !== null ? `${e.set.key}: ${e.set.comment}` : e.set.key;
        set.comment = comment;
        return set;
      });
  }
}

function sameCidrs(a: ir.Cidr[], b: ir.Cidr[]): boolean {
  return a.length === b.length && a.every((c, i) => c.addr === b[i]?.addr && c.len === b[i]?.len);
}

/** A CIDR as an nft value: the bare address for a single host, else `addr/len`. */
export function cidrValue(c: ir.Cidr): nft.Value {
  const full = c.family === 4 ? 32 : 128;
  return c.len === full
    ? { kind: 'sym', value: c.addr }
    : { kind: 'prefix', addr: c.addr, len: c.len };
}

/** Numeric value of an address (for sorting only). */
function addressNumber(addr: string, family: ir.IpFamily): bigint {
  if (family === 4) return v4Number(addr);
  let text = addr.toLowerCase();
  // A dotted IPv4 tail (::ffff:192.0.2.1) becomes two hex groups.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = v4Number(dotted[2] ?? '0.0.0.0');
    text = `${dotted[1] ?? ''}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(Math.max(0, zeros)).fill('0'), ...tailGroups];
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(parseInt(g, 16) || 0);
  return n;
}

function v4Number(addr: string): bigint {
  let n = 0n;
  for (const part of addr.split('.')) n = (n << 8n) | BigInt(Number(part) & 0xff);
  return n;
}

/** Address order, then shorter prefix first. */
export function sortCidrs(cidrs: readonly ir.Cidr[]): ir.Cidr[] {
  // Each address parsed once (not twice per comparison): large ipsets sort in n log n compares.
  const keyed = cidrs.map((c) => ({ c, n: addressNumber(c.addr, c.family) }));
  keyed.sort((a, b) => (a.n < b.n ? -1 : a.n > b.n ? 1 : a.c.len - b.c.len));
  return keyed.map((k) => k.c);
}
