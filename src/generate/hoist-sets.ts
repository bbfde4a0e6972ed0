// Anonymous sets `{ a, b }` used by two or more rules of a table become one named set that those
// rules share (`@list_inet_service_0`). Why: every anonymous set is a kernel set, and nft's load
// time grows with (sets in the table) × (rules that look one up), mostly in the kernel (measured
// on 6.1 and 6.18, bench/RESULTS.md). A 1,000-guest tree repeats the same port,
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

/** One distinct list of a table: its key type, elements, how many rules use it, and the name of
 * its set once hoisted. */
export interface Candidate {
  type: nft.KeyType;
  elements: nft.Value[];
  uses: number;
  name?: string;
}

/** A match's anonymous set as a hoisting candidate (key and type); null when it stays anonymous. */
export function candidateKey(stmt: nft.Stmt): { key: string; type: nft.KeyType } | null {
  if (stmt.kind !== 'match' || stmt.right.kind !== 'set') return null;
  const type = setKeyType(stmt.left);
  // Element order is part of the key: the generator writes lists in a deterministic order, and
  // two rules with the same list in a different order just get two sets.
  return type === null ? null : { key: `${type} ${elementsKey(stmt.right.elements)}`, type };
}

/** Hoists the shared lists of `table` in place (it was just built, nobody else holds it) and
 * returns it. Deterministic: sets are numbered per key type in order of first use. `streamed`:
 * the lists of chains that follow the table's own and were already written out
 * (streamed-chains.ts), in order of first use; each gets its `name` when hoisted. */
export function hoistSharedSets(
  table: nft.Table,
  streamed?: ReadonlyMap<string, Candidate>,
): nft.Table {
  // Pass 1: one candidate per distinct (type, elements); `byStmt` remembers the candidate of each
  // set-carrying match statement, so pass 2 needs no second key computation.
  const candidates = new Map<string, Candidate>();
  const byStmt = new Map<nft.Stmt, Candidate | null>();
  for (const chain of table.chains) {
    for (const rule of chain.rules) {
      for (const stmt of rule.stmts) {
        if (stmt.kind !== 'match' || stmt.right.kind !== 'set') continue;
        // Statements are shared between rules (rule-stmts.ts caches them): the same object
        // needs its key computed once.
        let c = byStmt.get(stmt);
        if (c === undefined) {
          const k = candidateKey(stmt);
          if (k === null) c = null;
          else {
            c = candidates.get(k.key) ?? null;
            if (c === null)
              candidates.set(k.key, (c = { type: k.type, elements: stmt.right.elements, uses: 0 }));
          }
          byStmt.set(stmt, c);
        }
        if (c !== null) c.uses++;
      }
    }
  }
  // The streamed chains come after the table's own: their lists are first used after these.
  for (const [key, s] of streamed ?? []) {
    const c = candidates.get(key);
    if (c === undefined) candidates.set(key, s);
    else c.uses += s.uses;
  }

  const taken = new Set([...table.sets.map((s) => s.name), ...table.maps.map((m) => m.name)]);
  const perType = new Map<nft.KeyType, number>();
  let hoisted = 0;
  for (const [key, c] of candidates) {
    if (c.uses < 2) continue;
    let n = perType.get(c.type) ?? 0;
    let name = names.sharedSet(c.type, n);
    while (taken.has(name)) name = names.sharedSet(c.type, ++n);
    perType.set(c.type, n + 1);
    taken.add(name);
    c.name = name;
    hoisted++;
    const s = streamed?.get(key);
    if (s !== undefined) s.name = name;
    const interval = needsInterval(c.elements);
    // auto-merge: an anonymous interval set merges overlapping elements itself; a named one
    // refuses them unless asked to, and the generator does not promise disjoint lists.
    table.sets.push({
      name,
      type: c.type,
      interval,
      ...(interval ? { autoMerge: true } : {}),
      elements: c.elements,
    });
  }
  if (hoisted === 0) return table;

  // Pass 2: the same walk, replacing each hoisted list by a lookup of its set.
  const replaced = new Map<nft.Stmt, nft.Stmt>();
  for (const chain of table.chains) {
    for (const rule of chain.rules) {
      for (let j = 0; j < rule.stmts.length; j++) {
        const stmt = rule.stmts[j] as nft.Stmt;
        if (stmt.kind !== 'match' || stmt.right.kind !== 'set') continue;
        const name = byStmt.get(stmt)?.name;
        if (name === undefined) continue;
        let lookup = replaced.get(stmt);
        if (lookup === undefined)
          replaced.set(stmt, (lookup = { ...stmt, right: { kind: 'set-ref', name } }));
        rule.stmts[j] = lookup;
      }
    }
  }
  return table;
}

/** A compact identity for a list of values (cheaper than JSON.stringify on ~10^6 lists). */
function elementsKey(elements: readonly nft.Value[]): string {
  let key = '';
  for (const e of elements) key += `${valueKey(e)},`;
  return key;
}

function valueKey(v: nft.Value): string {
  switch (v.kind) {
    case 'num':
      return `n${v.value}`;
    case 'sym':
      return `s${v.value}`;
    case 'prefix':
      return `p${v.addr}/${v.len}`;
    case 'range':
      return `r${valueKey(v.from)}~${valueKey(v.to)}`;
    default:
      return JSON.stringify(v);
  }
}
