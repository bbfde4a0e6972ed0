// Guest ipsets (a guest's own `[IPSET x]`, `+x` / `+guest/x` in its rules) in table-wide sets: one
// per (ipset name, family, key), elements `port . address` or `mac . address`, looked up as
// `iifname . ip saddr @guest_v4_x`. Why not one set per guest: nft's load time grows with (sets in
// the table) × (rules that look one up), and per-guest sets made the set count grow with the guests
// (bench/RESULTS.md: 35,000 sets, 604 s at 10,000 guests). The packet still costs one lookup.
// The key is what selected the chain the rule sits in (guest-table.ts dispatch), so the lookup
// only ever sees this NIC's elements: `iifname` in <nic>_out, `oifname` in <nic>_in, `ether daddr`
// in <nic>_in_pre (reached by destination MAC; its iifname is the uplink's).
import type * as ir from '../resolve/ir.js';
import type * as nft from '../nft/model.js';
import { cidrValue, IpSets, sortCidrs, type SetLookup } from './ipsets.js';
import { names } from './names.js';
import { meta, payload } from './rule-stmts.js';

/** What selected the chain: the port it came in or goes out on, or the destination MAC. */
export type PortKey =
  { kind: 'iifname' | 'oifname'; device: string } | { kind: 'mac'; mac: string };

interface Entry {
  name: string;
  ipsetName: string;
  family: ir.IpFamily;
  key: 'ifname' | 'mac';
  /** Port or MAC → the guest's ipset, in registration order (vmid, then NIC index). */
  members: Map<string, { port: nft.Value; set: ir.IpSet }>;
}

export class GuestIpSets {
  private readonly byName = new Map<string, Entry>();
  /** Lookup statements, shared by every rule and chain that writes the same one. */
  private readonly stmts = new Map<string, nft.Stmt>();

  /** The lookups of one chain: guest ipsets keyed by `key`, every other ipset (cluster, SDN)
   * through `tableSets` as before. */
  lookup(tableSets: IpSets, key: PortKey): SetLookup {
    return {
      match: (set, family, addr) =>
        set.scope === 'guest'
          ? this.match(set, family, addr, key)
          : tableSets.match(set, family, addr),
    };
  }

  private match(set: ir.IpSet, family: ir.IpFamily, addr: nft.Expr, key: PortKey): nft.Stmt {
    const keyKind = key.kind === 'mac' ? 'mac' : 'ifname';
    const name = names.guestIpset(set.name, family, keyKind);
    let entry = this.byName.get(name);
    if (entry === undefined) {
      entry = { name, ipsetName: set.name, family, key: keyKind, members: new Map() };
      this.byName.set(name, entry);
    } else if (entry.ipsetName !== set.name) {
      // names.ts keeps what PVE allows in an ipset name, so two names never meet here.
      throw new Error(`guest ipsets '${entry.ipsetName}' and '${set.name}' both named ${name}`);
    }
    const member = key.kind === 'mac' ? key.mac : key.device;
    const known = entry.members.get(member);
    if (known === undefined) {
      const port: nft.Value =
        key.kind === 'mac' ? { kind: 'sym', value: key.mac } : { kind: 'str', value: key.device };
      entry.members.set(member, { port, set });
    } else if (known.set !== set) {
      // A chain only sees its own guest's ipsets (scope.ts: `guest/x` is this guest only).
      throw new Error(`port ${member} looks up two guest ipsets named '${set.name}'`);
    }
    const keyExpr = key.kind === 'mac' ? payload('ether', 'daddr') : meta(key.kind);
    const addrText = addr.kind === 'payload' ? `${addr.proto} ${addr.field}` : JSON.stringify(addr);
    const stmtKey = `${name} ${key.kind} ${addrText}`;
    let stmt = this.stmts.get(stmtKey);
    if (stmt === undefined) {
      stmt = Object.freeze({
        kind: 'match',
        left: { kind: 'concat', exprs: [keyExpr, addr] },
        op: '==',
        right: { kind: 'set-ref', name },
      } satisfies nft.Stmt);
      this.stmts.set(stmtKey, stmt);
    }
    return stmt;
  }

  /** The sets, sorted by name. Never empty: rule-stmts.ts asks only for a family the ipset has.
   * Elements never overlap: each member's CIDRs are disjoint (resolve-ipsets.ts) and members are
   * distinct ports or MACs (a shared MAC gets no <nic>_in_pre chain), so no auto-merge is needed,
   * which nft does not offer for concatenations anyway. */
  toNamedSets(): nft.NamedSet[] {
    return [...this.byName.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((e) => {
        const by = e.key === 'mac' ? 'MAC' : 'port';
        const elements: nft.Value[] = [];
        for (const { port, set } of e.members.values())
          for (const c of sortCidrs(IpSets.cidrs(set, e.family)))
            elements.push({ kind: 'concat', values: [port, cidrValue(c)] });
        return {
          name: e.name,
          type: [
            e.key === 'mac' ? 'ether_addr' : 'ifname',
            e.family === 4 ? 'ipv4_addr' : 'ipv6_addr',
          ],
          interval: true,
          comment: `guest ipset ${e.ipsetName} of each guest ${by} (IPv${e.family})`,
          elements,
        };
      });
  }
}
