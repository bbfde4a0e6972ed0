// Anonymous sets `{ a, b }` used by two or more rules of a table become one named set that those
// rules share (`@list_inet_service_0`). Why: every anonymous set is a kernel set, and nft's load
// time grows with the square of the number of sets in a table (each new set scans the table's set
// list; measured on 6.1 and 6.18, bench/RESULTS.md). A 1,000-guest tree repeats the same port,
// ICMP-type and address lists thousands of times; sharing them turns a load of minutes into
// seconds. The lookup costs the packet the same either way. Sets used once stay anonymous: naming
// them would not save a set and would make the output harder to read.
import type * as nft from '../nft/model.js';
import { setKeyType } from '../nft/key-type.js';
import { names } from './names.js';

/** True when a set of these elements needs `flags interval` (a prefix or a range in it). */
function needsInterval(elements: nft.Value[]): boolean {
  return elements.some((e) => e.kind === 'prefix' || e.kind === 'range');
}

interface Candidate {
  type: nft.KeyType;
  elements: nft.Value[];
  uses: number;
  name?: string;
}

/** Returns the table with shared anonymous sets hoisted (a new object; the input is not changed).
 * Deterministic: sets are numbered per key type in order of first use. */
export function hoistSharedSets(table: nft.Table): nft.Table {
  const candidates = new Map<string, Candidate>();
  const keyOf = (stmt: nft.Stmt): string | null => {
    if (stmt.kind !== 'match' || stmt.right.kind !== 'set') return null;
    const type = setKeyType(stmt.left);
    if (type === null) return null;
    // Element order is kept in the key: the generator emits lists in a deterministic order, and
    // two rules with the same list written differently just get two sets.
    return `${type}\u0000${JSON.stringify(stmt.right.elements)}`;
  };

  for (const chain of table.chains) {
    for (const rule of chain.rules) {
      for (const stmt of rule.stmts) {
        const key = keyOf(stmt);
        if (key === null || stmt.kind !== 'match' || stmt.right.kind !== 'set') continue;
        const c = candidates.get(key);
        if (c) c.uses++;
        else candidates.set(key, { type: setKeyType(stmt.left) as nft.KeyType, elements: stmt.right.elements, uses: 1 });
      }
    }
  }

  const taken = new Set([...table.sets.map((s) => s.name), ...table.maps.map((m) => m.name)]);
  const perType = new Map<nft.KeyType, number>();
  const hoisted: nft.NamedSet[] = [];
  for (const c of candidates.values()) {
    if (c.uses < 2) continue;
    let n = perType.get(c.type) ?? 0;
    let name = names.sharedSet(c.type, n);
    while (taken.has(name)) name = names.sharedSet(c.type, ++n);
    perType.set(c.type, n + 1);
    taken.add(name);
    c.name = name;
    const interval = needsInterval(c.elements);
    // auto-merge: an anonymous interval set merges overlapping elements itself; a named one
    // refuses them unless asked to, and the generator does not promise disjoint lists.
    hoisted.push({ name, type: c.type, interval, ...(interval ? { autoMerge: true } : {}), elements: c.elements });
  }
  if (hoisted.length === 0) return table;

  const chains = table.chains.map((chain) => ({
    ...chain,
    rules: chain.rules.map((rule) => {
      let changed = false;
      const stmts = rule.stmts.map((stmt): nft.Stmt => {
        const key = keyOf(stmt);
        const name = key === null ? undefined : candidates.get(key)?.name;
        if (name === undefined || stmt.kind !== 'match') return stmt;
        changed = true;
        return { ...stmt, right: { kind: 'set-ref', name } };
      });
      return changed ? { ...rule, stmts } : rule;
    }),
  }));
  return { ...table, sets: [...table.sets, ...hoisted], chains };
}
