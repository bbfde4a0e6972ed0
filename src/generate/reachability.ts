// Which chains a base chain can reach (jump, goto, vmap), and the guard that matters most for the
// bridge table: no `reject` may be reachable from a hook other than prerouting/input (the kernel
// refuses the whole ruleset, docs/reference.md §nft-bridge-reject). The generator runs the guard on
// every bridge table.
import type * as nft from '../nft/model.js';

function targets(v: nft.Verdict): string[] {
  return v.kind === 'jump' || v.kind === 'goto' ? [v.chain] : [];
}

/** Names of the chains reachable from `start` (including it). */
export function reachableChains(table: nft.Table, start: string): Set<string> {
  const chains = new Map(table.chains.map((c) => [c.name, c] as const));
  const maps = new Map(table.maps.map((m) => [m.name, m] as const));
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length > 0) {
    const name = todo.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const rule of chains.get(name)?.rules ?? []) {
      for (const stmt of rule.stmts) {
        if (stmt.kind === 'verdict') todo.push(...targets(stmt.verdict));
        if (stmt.kind === 'vmap')
          for (const e of maps.get(stmt.map)?.elements ?? []) todo.push(...targets(e.verdict));
      }
    }
  }
  return seen;
}

/** Chains containing a `reject` that some base chain on a hook other than prerouting/input can
 * reach, as `hook: chain` strings (empty = fine). */
export function misplacedRejects(table: nft.Table): string[] {
  const byName = new Map(table.chains.map((c) => [c.name, c] as const));
  const bad: string[] = [];
  for (const base of table.chains) {
    if (!base.base || base.base.hook === 'prerouting' || base.base.hook === 'input') continue;
    for (const name of reachableChains(table, base.name)) {
      const chain = byName.get(name);
      if (chain?.rules.some((r) => r.stmts.some((s) => s.kind === 'reject')))
        bad.push(`${base.base.hook}: ${name}`);
    }
  }
  return bad.sort();
}

/** Throws when a bridge table would be refused by the kernel for a misplaced reject. */
export function reachability(table: nft.Table): void {
  if (table.family !== 'bridge') return;
  const bad = misplacedRejects(table);
  if (bad.length > 0)
    throw new Error(
      `generator bug: reject reachable outside bridge prerouting/input (${bad.join(', ')})`,
    );
}
