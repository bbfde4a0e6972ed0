// The model last loaded, in the compact form an incremental apply diffs against
// (`<state dir>/model.json`): per table a digest of its table-wide parts, per chain digests of its
// spec and of its rules, per set and map a digest of its definition and its elements (packed, so
// they can be deleted again). Generic over the model: it knows no Proxmox names. Written atomically
// like state.json, and tied to state.json's configDigest: any mismatch means "unknown", a full apply.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type * as nft from '../nft/model.js';

/** A Value as compact JSON: str → ['s', v] (['w', v] with a wildcard), num → number, sym → string,
 * prefix → ['p', addr, len], range → ['r', a, b], concat → ['c', …], set → ['S', …],
 * set-ref → ['@', name], flags → ['f', sep, …values]. Its JSON text is the element's identity. */
export type Packed = string | number | (string | number | Packed)[];

export interface ChainSnapshot {
  /** 'b' (base chain) or 'r' (regular), then a digest of the comment and base spec */
  spec: string;
  rules: string;
}

export interface SetSnapshot {
  /** digest of everything but the elements (type, flags, comment, timeouts) */
  head: string;
  /** interval set with auto-merge: nft merges adjacent elements, so they are re-added whole */
  merge?: true;
  elements: Packed[];
}

export interface MapSnapshot {
  head: string;
  merge?: true;
  /** [key, verdict] with the verdict as `accept`, `jump name`, … */
  elements: [Packed, string][];
}

export interface TableSnapshot {
  /** digest of the table's own parts: comment, ct helpers */
  head: string;
  /** in model order */
  chains: Record<string, ChainSnapshot>;
  sets: Record<string, SetSnapshot>;
  maps: Record<string, MapSnapshot>;
}

export interface ModelSnapshot {
  version: 1;
  /** state.json's configDigest of the script this model was emitted as */
  configDigest: string;
  /** `family name` → the table as loaded, or null: the script removed it */
  tables: Record<string, TableSnapshot | null>;
}

/** The tables a script leaves behind, when it is the generator's replace script (add, delete and
 * optionally define, per table); null for any other shape. */
export function scriptTables(script: nft.Script): Map<string, nft.Table | null> | null {
  const out = new Map<string, nft.Table | null>();
  const cmds = script.commands;
  for (let i = 0; i < cmds.length;) {
    const add = cmds[i];
    const del = cmds[i + 1];
    if (add?.kind !== 'add-table' || del?.kind !== 'delete-table') return null;
    const key = tableKey(add.table);
    if (key !== tableKey(del.table) || out.has(key)) return null;
    const def = cmds[i + 2];
    if (def?.kind === 'define-table' && tableKey(def.table) === key) {
      out.set(key, def.table);
      i += 3;
    } else {
      out.set(key, null);
      i += 2;
    }
  }
  return out;
}

export function tableKey(t: nft.TableRef): string {
  return `${t.family} ${t.name}`;
}

export function snapshotModel(script: nft.Script, configDigest: string): ModelSnapshot | null {
  const tables = scriptTables(script);
  if (tables === null) return null;
  const out: ModelSnapshot = { version: 1, configDigest, tables: {} };
  for (const [key, table] of tables) out.tables[key] = table === null ? null : snapshotTable(table);
  return out;
}

export function snapshotTable(table: nft.Table): TableSnapshot {
  const chains: Record<string, ChainSnapshot> = {};
  for (const c of table.chains) chains[c.name] = snapshotChain(c);
  const sets: Record<string, SetSnapshot> = {};
  for (const s of table.sets) {
    const { elements, ...head } = s;
    sets[s.name] = {
      head: digest(head),
      ...(s.interval && s.autoMerge ? { merge: true as const } : {}),
      elements: elements.map(packValue),
    };
  }
  const maps: Record<string, MapSnapshot> = {};
  for (const m of table.maps) {
    const { elements, ...head } = m;
    maps[m.name] = {
      head: digest(head),
      ...(m.interval ? { merge: true as const } : {}),
      elements: elements.map((e) => [packValue(e.key), verdictText(e.verdict)]),
    };
  }
  const head = digest({ comment: table.comment ?? null, helpers: table.ctHelpers ?? [] });
  return { head, chains, sets, maps };
}

export function snapshotChain(c: nft.Chain): ChainSnapshot {
  return {
    spec: (c.base ? 'b' : 'r') + digest({ comment: c.comment ?? null, base: c.base ?? null }),
    rules: digest(c.rules),
  };
}

/** 96 bits of sha256: collisions are out of reach and 10,000 guests' chains stay small on disk. */
function digest(v: unknown): string {
  return createHash('sha256').update(JSON.stringify(v, loaded)).digest('base64').slice(0, 16);
}

/** A rule's `origin` (the config line it came from, for simulate) is not loaded into the kernel:
 * a line that only moved in its file, or a tree read from another path, must not refill a chain. */
const loaded = (key: string, value: unknown): unknown => (key === 'origin' ? undefined : value);

export function packValue(v: nft.Value): Packed {
  switch (v.kind) {
    case 'str':
      return [v.wildcard ? 'w' : 's', v.value];
    case 'num':
      return v.value;
    case 'sym':
      return v.value;
    case 'prefix':
      return ['p', v.addr, v.len];
    case 'range':
      return ['r', packValue(v.from), packValue(v.to)];
    case 'concat':
      return ['c', ...v.values.map(packValue)];
    case 'set':
      return ['S', ...v.elements.map(packValue)];
    case 'set-ref':
      return ['@', v.name];
    case 'flags':
      return ['f', v.sep, ...v.values];
  }
}

export function unpackValue(p: Packed): nft.Value {
  if (typeof p === 'number') return { kind: 'num', value: p };
  if (typeof p === 'string') return { kind: 'sym', value: p };
  const [tag, ...rest] = p;
  const str = (x: unknown): string => {
    if (typeof x !== 'string') throw new SnapshotError('bad packed value');
    return x;
  };
  const sub = (x: unknown): nft.Value => unpackValue(x as Packed);
  switch (tag) {
    case 's':
    case 'w':
      return { kind: 'str', value: str(rest[0]), ...(tag === 'w' ? { wildcard: true } : {}) };
    case 'p':
      return { kind: 'prefix', addr: str(rest[0]), len: Number(rest[1]) };
    case 'r':
      return { kind: 'range', from: sub(rest[0]), to: sub(rest[1]) };
    case 'c':
      return { kind: 'concat', values: rest.map(sub) };
    case 'S':
      return { kind: 'set', elements: rest.map(sub) };
    case '@':
      return { kind: 'set-ref', name: str(rest[0]) };
    case 'f': {
      const sep = rest[0] === '|' ? '|' : ',';
      return { kind: 'flags', sep, values: rest.slice(1).map(str) };
    }
    default:
      throw new SnapshotError(`bad packed value tag ${JSON.stringify(tag)}`);
  }
}

export function verdictText(v: nft.Verdict): string {
  return v.kind === 'jump' || v.kind === 'goto' ? `${v.kind} ${v.chain}` : v.kind;
}

export function parseVerdict(text: string): nft.Verdict {
  const [kind, chain] = text.split(' ');
  if ((kind === 'jump' || kind === 'goto') && chain !== undefined) return { kind, chain };
  if (kind === 'accept' || kind === 'drop' || kind === 'return' || kind === 'continue')
    return { kind };
  throw new SnapshotError(`bad verdict ${JSON.stringify(text)}`);
}

export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
}

const FILE = 'model.json';

/** The snapshot of the model whose script had `configDigest`, or null when there is none, it is
 * damaged, or it belongs to another script (a crash between the two writes, an older fwgen). */
export async function readSnapshot(
  dir: string,
  configDigest: string,
): Promise<ModelSnapshot | null> {
  let text: string;
  try {
    text = await readFile(path.join(dir, FILE), 'utf8');
  } catch {
    return null;
  }
  try {
    const s = JSON.parse(text) as ModelSnapshot;
    return s.version === 1 && s.configDigest === configDigest && typeof s.tables === 'object'
      ? s
      : null;
  } catch {
    return null;
  }
}

/** Temp file + rename, as state.json; written before state.json, so a crash in between leaves a
 * snapshot whose configDigest state.json does not name: ignored. One line: it is read, not edited. */
export async function writeSnapshot(dir: string, snap: ModelSnapshot): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const tmp = path.join(dir, `.${FILE}.${process.pid}`);
  await writeFile(tmp, `${JSON.stringify(snap)}\n`, { mode: 0o644 });
  await rename(tmp, path.join(dir, FILE));
}
