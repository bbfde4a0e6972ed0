// Anonymous sets `{ a, b }` become named sets that every rule with the same list shares
// (`@list_inet_service_3fa2b1c0`). Why: every anonymous set is a kernel set, and nft's load
// time grows with (sets in the table) × (rules that look one up), mostly in the kernel (measured
// on 6.1 and 6.18, bench/RESULTS.md). A 1,000-guest tree repeats the same port,
// ICMP-type and address lists thousands of times; sharing them turns a load of minutes into
// seconds. The lookup costs the packet the same either way.
// Names come from a digest of type and elements, never from the order of use: adding or removing
// one guest leaves every other guest's chains byte-identical (what incremental apply diffs). For
// the same reason the bridge table (per-guest chains) hoists every list, even one used once:
// whether a list is shared must not depend on other guests. The inet table hoists lists used
// twice or more only; one used once stays inline for readability (it would not save a set).
import { createHash } from 'node:crypto';
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

/** Hoists the lists of `table` in place (it was just built, nobody else holds it) and returns
 * it. Deterministic: a set's name depends only on its type and elements (and on a digest prefix
 * shared with another hoisted list, setDigests). `streamed`: the lists of chains that were
 * already written out (streamed-chains.ts); each gets its `name` when hoisted. They still need
 * this pass: the digest's length depends on every list of the table. */
export function hoistSharedSets(
  table: nft.Table,
  streamed?: ReadonlyMap<string, Candidate>,
): nft.Table {
  const minUses = table.family === 'bridge' ? 1 : 2;
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
  // Names do not depend on the order of first use: the streamed chains' lists just join.
  for (const [key, s] of streamed ?? []) {
    const c = candidates.get(key);
    if (c === undefined) candidates.set(key, s);
    else c.uses += s.uses;
  }

  const hoist = [...candidates].filter(([, c]) => c.uses >= minUses);
  const digests = setDigests(hoist.map(([key]) => key));
  const taken = new Set([...table.sets.map((s) => s.name), ...table.maps.map((m) => m.name)]);
  for (const [key, c] of hoist) c.name = names.sharedSet(c.type, digests.get(key) ?? '');
  // Sorted by name, so the set list does not depend on the order of first use either.
  hoist.sort(([, a], [, b]) => ((a.name ?? '') < (b.name ?? '') ? -1 : 1));
  let hoisted = 0;
  for (const [key, c] of hoist) {
    const name = c.name ?? '';
    // `list_` names are the hoister's own (names.ts); a clash is a bug.
    if (taken.has(name)) throw new Error(`hoisted set ${name} clashes with a set or map`);
    taken.add(name);
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

/** Each key's digest: 8 hex digits of its SHA-256, more where two keys share those (all keys of
 * such a group get the longer form, so the choice does not depend on which key came first). */
export function setDigests(keys: readonly string[]): Map<string, string> {
  const full = new Map(keys.map((k) => [k, createHash('sha256').update(k).digest('hex')]));
  const out = new Map<string, string>();
  let pending: string[] = [...keys];
  for (const len of [8, 16, 64]) {
    const groups = new Map<string, string[]>();
    for (const k of pending) {
      const short = (full.get(k) ?? '').slice(0, len);
      const g = groups.get(short);
      if (g === undefined) groups.set(short, [k]);
      else g.push(k);
    }
    pending = [];
    for (const [short, g] of groups) {
      if (g.length === 1 || len === 64) for (const k of g) out.set(k, short);
      else pending.push(...g);
    }
  }
  return out;
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
