// planIncremental: the one nft transaction that turns the tables of the last loaded model
// (its snapshot) into those of a new model, changing only what changed: regular chains added,
// removed or refilled (`flush chain` + `add rule`), set and map elements added and deleted, sets
// and maps added and removed. Anything structural (a table appearing or going, its comment or ct
// helpers, a base chain, a chain's spec, a set's or map's type or flags) replaces that table whole,
// as the full script does; a set or map whose type or flags changed is deleted and added again,
// with every chain that uses it refilled. Pure and generic over the model; the caller checks that the kernel
// still holds the snapshot's tables (apply-ruleset.ts, by the listing's digest).
import type * as nft from '../nft/model.js';
import {
  scriptTables,
  unpackValue,
  type ModelSnapshot,
  type Packed,
  type TableSnapshot,
} from './model-snapshot.js';

export interface IncrementalPlan {
  script: nft.Script;
  /** tables edited in place, `family name` */
  updated: string[];
  /** tables replaced whole, with why */
  replaced: { table: string; why: string }[];
}

/**
 * The plan, or why a full replace is needed instead (no table can be edited in place). `next` is
 * the snapshot of `script`, which the caller stores after the load anyway.
 */
export function planIncremental(
  prev: ModelSnapshot,
  script: nft.Script,
  next: ModelSnapshot,
): IncrementalPlan | string {
  const tables = scriptTables(script);
  if (tables === null) return 'the script is not a per-table replace';
  for (const key of Object.keys(prev.tables))
    if (!tables.has(key)) return `table ${key} is not in the new script`;
  const commands: nft.Command[] = [];
  const updated: string[] = [];
  const replaced: { table: string; why: string }[] = [];
  const replace = (table: nft.Table | null, ref: nft.TableRef, why: string): void => {
    replaced.push({ table: `${ref.family} ${ref.name}`, why });
    commands.push({ kind: 'add-table', table: ref }, { kind: 'delete-table', table: ref });
    if (table !== null) commands.push({ kind: 'define-table', table });
  };
  for (const [key, table] of tables) {
    const [family, name] = key.split(' ') as [nft.Family, string];
    const ref: nft.TableRef = { family, name };
    const before = prev.tables[key];
    const after = next.tables[key] ?? null;
    if (before === undefined) {
      replace(table, ref, 'not in the last apply');
      continue;
    }
    if (before === null && after === null) continue; // absent before and after: nothing to send
    if (before === null || after === null || table === null) {
      replace(table, ref, before === null ? 'table added' : 'table removed');
      continue;
    }
    const diff = diffTable(ref, before, after, table);
    if (typeof diff === 'string') replace(table, ref, diff);
    else if (diff.length > 0) {
      commands.push(...diff);
      updated.push(key);
    }
  }
  if (updated.length === 0)
    return replaced.length > 0
      ? replaced.map((r) => `${r.table}: ${r.why}`).join('; ')
      : 'no table differs';
  return { script: { commands }, updated, replaced };
}

/** The commands that edit table `ref` from `a` to `b` (= `t`), or why it must be replaced. Order
 * matters inside the transaction: references go before what they point at (map elements and
 * rules before chains, rules before sets and maps), and come back after it exists. */
function diffTable(
  ref: nft.TableRef,
  a: TableSnapshot,
  b: TableSnapshot,
  t: nft.Table,
): nft.Command[] | string {
  if (a.head !== b.head) return 'its comment or ct helpers changed';
  const dropElements: nft.Command[] = [];
  const flushChains: nft.Command[] = [];
  const dropSets: nft.Command[] = [];
  const dropChains: nft.Command[] = [];
  const addChains: nft.Command[] = [];
  const addSets: nft.Command[] = [];
  const addElements: nft.Command[] = [];
  const addRules: nft.Command[] = [];
  /** sets and maps deleted and added again: every chain that uses one is refilled */
  const recreated = new Set<string>();

  for (const name of Object.keys(a.sets))
    if (b.sets[name] === undefined) dropSets.push({ kind: 'delete-set', table: ref, name });
  for (const set of t.sets) {
    const sa = a.sets[set.name];
    const sb = b.sets[set.name]!;
    if (sa === undefined) {
      addSets.push({ kind: 'add-set', table: ref, set });
      continue;
    }
    if (sa.head !== sb.head || sa.merge !== sb.merge) {
      // Type or flags changed: deleted and added again, once the rules that use it are flushed.
      dropSets.push({ kind: 'delete-set', table: ref, name: set.name });
      addSets.push({ kind: 'add-set', table: ref, set });
      recreated.add(set.name);
      continue;
    }
    const d = elementDiff(sa.elements, sb.elements);
    if (d === null) continue;
    if (sb.merge) {
      // auto-merge: nft merged adjacent elements on load, so the kernel's elements are not the
      // model's (`192.0.2.0/25, 192.0.2.128/25` lists as `192.0.2.0/24`); refill the set whole.
      dropElements.push({ kind: 'flush-set', table: ref, name: set.name });
      addElements.push({ kind: 'add-element', table: ref, set: set.name, elements: set.elements });
      continue;
    }
    if (d.gone.length > 0)
      dropElements.push({
        kind: 'delete-element',
        table: ref,
        set: set.name,
        elements: d.gone.map(unpackValue),
      });
    if (d.added.length > 0)
      addElements.push({
        kind: 'add-element',
        table: ref,
        set: set.name,
        elements: d.added.map((i) => set.elements[i]!),
      });
  }

  for (const name of Object.keys(a.maps))
    if (b.maps[name] === undefined) dropSets.push({ kind: 'delete-map', table: ref, name });
  for (const map of t.maps) {
    const ma = a.maps[map.name];
    const mb = b.maps[map.name]!;
    if (ma === undefined) {
      addSets.push({ kind: 'add-map', table: ref, map });
      continue;
    }
    if (ma.head !== mb.head || ma.merge !== mb.merge) {
      dropSets.push({ kind: 'delete-map', table: ref, name: map.name });
      addSets.push({ kind: 'add-map', table: ref, map });
      recreated.add(map.name);
      continue;
    }
    // A key whose verdict changed is deleted and added again: `add element` does not overwrite.
    const d = elementDiff(ma.elements, mb.elements);
    if (d === null) continue;
    if (mb.merge) {
      dropElements.push({ kind: 'flush-map', table: ref, name: map.name });
      addElements.push({
        kind: 'add-map-element',
        table: ref,
        map: map.name,
        elements: map.elements,
      });
      continue;
    }
    if (d.gone.length > 0)
      dropElements.push({
        kind: 'delete-map-element',
        table: ref,
        map: map.name,
        keys: d.gone.map(([k]) => unpackValue(k)),
      });
    if (d.added.length > 0)
      addElements.push({
        kind: 'add-map-element',
        table: ref,
        map: map.name,
        elements: d.added.map((i) => map.elements[i]!),
      });
  }

  for (const [name, c] of Object.entries(a.chains)) {
    if (b.chains[name] !== undefined) continue;
    if (c.spec.startsWith('b')) return `base chain ${name} removed`;
    flushChains.push({ kind: 'flush-chain', table: ref, chain: name });
    dropChains.push({ kind: 'delete-chain', table: ref, chain: name });
  }
  for (const chain of t.chains) {
    const ca = a.chains[chain.name];
    const cb = b.chains[chain.name]!;
    if (ca === undefined) {
      if (chain.base) return `base chain ${chain.name} added`;
      addChains.push({ kind: 'add-chain', table: ref, chain: { ...chain, rules: [] } });
    } else if (ca.spec !== cb.spec) {
      return `chain ${chain.name}: hook, priority, policy or comment changed`;
    } else if (ca.rules !== cb.rules || (recreated.size > 0 && usesAny(chain, recreated))) {
      flushChains.push({ kind: 'flush-chain', table: ref, chain: chain.name });
    } else continue;
    for (const rule of chain.rules)
      addRules.push({ kind: 'add-rule', table: ref, chain: chain.name, rule });
  }

  return [
    ...dropElements,
    ...flushChains,
    ...dropSets,
    ...dropChains,
    ...addChains,
    ...addSets,
    ...addElements,
    ...addRules,
  ];
}

/** Whether a rule of `chain` names one of `names` (`@set` lookups, vmaps, set updates). */
function usesAny(chain: nft.Chain, names: ReadonlySet<string>): boolean {
  return chain.rules.some((r) =>
    r.stmts.some(
      (s) =>
        (s.kind === 'match' && s.right.kind === 'set-ref' && names.has(s.right.name)) ||
        (s.kind === 'vmap' && names.has(s.map)) ||
        (s.kind === 'set-update' && names.has(s.set)),
    ),
  );
}

/** Elements of `a` not in `b` (as packed), and indexes of `b`'s elements not in `a`; null when the
 * two hold the same elements (order aside). */
function elementDiff<T extends Packed | [Packed, string]>(
  a: readonly T[],
  b: readonly T[],
): { gone: T[]; added: number[] } | null {
  const key = (e: T): string => JSON.stringify(e);
  const inB = new Set(b.map(key));
  const inA = new Set(a.map(key));
  const gone = a.filter((e) => !inB.has(key(e)));
  const added: number[] = [];
  b.forEach((e, i) => {
    if (!inA.has(key(e))) added.push(i);
  });
  return gone.length === 0 && added.length === 0 ? null : { gone, added };
}

/** For logs and tests: what a plan sends, in numbers. */
export function planSummary(plan: IncrementalPlan): string {
  const count = (kind: nft.Command['kind']): number =>
    plan.script.commands.filter((c) => c.kind === kind).length;
  const parts = [
    `${plan.script.commands.length} commands`,
    `${count('add-chain')} chains added`,
    `${count('delete-chain')} removed`,
    `${count('flush-chain') - count('delete-chain')} refilled`,
    `${count('add-rule')} rules`,
  ];
  const replaced = plan.replaced.map((r) => `; ${r.table} replaced (${r.why})`).join('');
  return `${parts.join(', ')}${replaced}`;
}
