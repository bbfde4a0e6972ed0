// Structural checks shared by the text and JSON emitters: names are valid identifiers, references
// (jump/goto targets, @sets, vmaps) resolve inside their table, generated literals (`sym`) and
// numbers are well-formed. Everything caught here is a generator bug, so it throws
// NftIdentifierError; user text problems (interface names) throw NftNameError from quote.ts.
// Must not: print anything, or touch nft.
import type { Chain, Command, Expr, Family, Script, Stmt, Table, Value, Verdict } from './model.js';
import { setKeyType } from './key-type.js';
import { assertIdentifier, NftIdentifierError } from './quote.js';

const FAMILIES: ReadonlySet<Family> = new Set(['inet', 'ip', 'ip6', 'bridge', 'netdev', 'arp']);
const SYM = /^[A-Za-z0-9_.:/-]+$/;
const WORD = /^[a-z][a-z0-9_-]*$/;
/** payload fields: `dport`, `saddr`, and arp's two-word `saddr ip` / `daddr ether`. */
const FIELD = /^[a-z][a-z0-9-]*( [a-z][a-z0-9-]*)?$/;
const LOG_LEVELS: ReadonlySet<string> = new Set([
  'emerg',
  'alert',
  'crit',
  'err',
  'warn',
  'notice',
  'info',
  'debug',
  'audit',
]);

/** A generated literal (keyword, address, constant): `[A-Za-z0-9_.:/-]+`. */
export function checkSym(value: string): string {
  if (!SYM.test(value)) throw new NftIdentifierError(value, 'a sym must match [A-Za-z0-9_.:/-]+');
  return value;
}

/** A lowercase nft keyword such as a type, reject code or flag name. */
export function checkWord(value: string): string {
  if (!WORD.test(value))
    throw new NftIdentifierError(value, 'expected an nft keyword [a-z][a-z0-9_-]*');
  return value;
}

export function checkField(value: string): string {
  if (!FIELD.test(value)) throw new NftIdentifierError(value, 'expected a payload field name');
  return value;
}

/** Non-negative safe integer (ports, marks, rates, groups). */
export function checkNum(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new NftIdentifierError(String(value), 'expected a non-negative integer');
  return value;
}

export function checkLogLevel(level: string): string {
  if (!LOG_LEVELS.has(level)) throw new NftIdentifierError(level, 'unknown log level');
  return level;
}

/** nft's implicit operator (`ct state established` with nothing between) on a bitmask type means
 * "any of these bits set", not equality: `nft -j list` shows it as `"op": "in"`. The text emitter
 * writes `==` as nothing, so the JSON emitter must say "in" exactly where nft would. Bitmask-typed
 * expressions in the model: ct state, ct status, tcp flags (not behind `&`, which nft compares with
 * `==`). A set or @set on the right is a lookup, also "==". */
export function implicitIsBitTest(left: Expr, right: Value): boolean {
  if (right.kind === 'set' || right.kind === 'set-ref') return false;
  if (left.kind === 'ct') return left.key === 'state' || left.key === 'status';
  if (left.kind === 'payload') return left.proto === 'tcp' && left.field === 'flags';
  return false;
}

/** Check a whole script (throws on the first problem) and return it. */
export function checkScript(script: Script): Script {
  for (const cmd of script.commands) checkCommand(cmd);
  return script;
}

function checkCommand(cmd: Command): void {
  switch (cmd.kind) {
    case 'add-table':
    case 'delete-table':
      checkTableRef(cmd.table.family, cmd.table.name);
      return;
    case 'define-table':
      checkTable(cmd.table);
      return;
    default:
      // Incremental commands: names here; their references were checked on the full model they
      // were diffed from (apply/diff-model.ts), which the kernel's table equals.
      checkTableRef(cmd.table.family, cmd.table.name);
      for (const name of commandNames(cmd)) assertIdentifier(name);
      if (cmd.kind === 'add-rule' && cmd.rule.stmts.length === 0)
        throw new NftIdentifierError(cmd.chain, 'a rule needs at least one statement');
      return;
  }
}

function commandNames(cmd: Command): string[] {
  switch (cmd.kind) {
    case 'add-chain':
      return [cmd.chain.name];
    case 'flush-chain':
    case 'delete-chain':
    case 'add-rule':
      return [cmd.chain];
    case 'add-set':
      return [cmd.set.name];
    case 'add-map':
      return [cmd.map.name];
    case 'delete-set':
    case 'delete-map':
    case 'flush-set':
    case 'flush-map':
      return [cmd.name];
    case 'add-element':
    case 'delete-element':
      return [cmd.set];
    case 'add-map-element':
    case 'delete-map-element':
      return [cmd.map];
    default:
      return [];
  }
}

function checkTableRef(family: Family, name: string): void {
  if (!FAMILIES.has(family)) throw new NftIdentifierError(family, 'unknown family');
  assertIdentifier(name);
}

function checkTable(table: Table): void {
  checkTableRef(table.family, table.name);
  const sets = new Map<string, string>();
  const maps = new Set<string>();
  const chains = new Set<string>();
  /** Valid and not yet seen (the caller records it). */
  const unique = (seen: { has(name: string): boolean }, name: string, what: string): void => {
    assertIdentifier(name);
    if (seen.has(name))
      throw new NftIdentifierError(name, `duplicate ${what} in table ${table.name}`);
  };
  const dynamicSets = new Set<string>();
  for (const s of table.sets) {
    unique(sets, s.name, 'set');
    sets.set(s.name, Array.isArray(s.type) ? s.type.join(' . ') : s.type);
    if (s.autoMerge && !s.interval)
      throw new NftIdentifierError(s.name, 'auto-merge only works with interval sets');
    if (s.dynamic) {
      if (s.interval || s.elements.length > 0)
        throw new NftIdentifierError(s.name, 'a dynamic set is neither interval nor pre-filled');
      dynamicSets.add(s.name);
    }
  }
  const helpers = new Set<string>();
  for (const h of table.ctHelpers ?? []) {
    unique(helpers, h.name, 'ct helper');
    helpers.add(h.name);
  }
  for (const m of table.maps) {
    if (sets.has(m.name)) throw new NftIdentifierError(m.name, 'a set and a map share this name');
    unique(maps, m.name, 'map');
    maps.add(m.name);
  }
  for (const c of table.chains) {
    unique(chains, c.name, 'chain');
    chains.add(c.name);
  }

  const ctx: RefContext = { table: table.name, sets, maps, chains, dynamicSets, helpers };
  for (const m of table.maps) for (const e of m.elements) checkVerdict(e.verdict, ctx);
  for (const c of table.chains) checkChain(c, ctx);
}

interface RefContext {
  table: string;
  /** set name → key type (`ipv4_addr`, `ifname . ether_addr`) */
  sets: Map<string, string>;
  maps: Set<string>;
  chains: Set<string>;
  dynamicSets: Set<string>;
  helpers: Set<string>;
}

function checkChain(chain: Chain, ctx: RefContext): void {
  if (chain.base) {
    if (!Number.isSafeInteger(chain.base.priority))
      throw new NftIdentifierError(String(chain.base.priority), 'priority must be an integer');
  }
  for (const rule of chain.rules) {
    if (rule.stmts.length === 0)
      throw new NftIdentifierError(chain.name, 'a rule needs at least one statement');
    for (const stmt of rule.stmts) checkStmt(stmt, ctx);
  }
}

function checkVerdict(v: Verdict, ctx: RefContext): void {
  if ((v.kind === 'jump' || v.kind === 'goto') && !ctx.chains.has(v.chain)) {
    throw new NftIdentifierError(v.chain, `${v.kind} to a chain not in table ${ctx.table}`);
  }
}

function checkStmt(stmt: Stmt, ctx: RefContext): void {
  switch (stmt.kind) {
    case 'match': {
      checkValueRefs(stmt.right, ctx);
      if (stmt.right.kind !== 'set-ref') return;
      const setType = ctx.sets.get(stmt.right.name);
      const exprType = setKeyType(stmt.left);
      if (setType !== undefined && exprType !== null && setType !== exprType) {
        throw new NftIdentifierError(
          stmt.right.name,
          `set of ${setType} matched against an expression of ${exprType}`,
        );
      }
      return;
    }
    case 'verdict':
      checkVerdict(stmt.verdict, ctx);
      return;
    case 'vmap':
      if (!ctx.maps.has(stmt.map))
        throw new NftIdentifierError(stmt.map, `vmap with a map not in table ${ctx.table}`);
      return;
    case 'set-update': {
      if (!ctx.dynamicSets.has(stmt.set))
        throw new NftIdentifierError(
          stmt.set,
          `update of a set that is not a dynamic set of ${ctx.table}`,
        );
      const exprType = setKeyType(stmt.key);
      if (exprType !== null && ctx.sets.get(stmt.set) !== exprType)
        throw new NftIdentifierError(stmt.set, `set updated with a key of ${exprType}`);
      return;
    }
    case 'ct-helper-set':
      if (!ctx.helpers.has(stmt.helper))
        throw new NftIdentifierError(stmt.helper, `ct helper not in table ${ctx.table}`);
      return;
    case 'log':
      if (stmt.level !== undefined && stmt.group !== undefined) {
        // nflog (group) has no level; nft would store one of them silently.
        throw new NftIdentifierError('log', 'level and group are mutually exclusive');
      }
      return;
    default:
      return;
  }
}

function checkValueRefs(v: Value, ctx: RefContext): void {
  if (v.kind === 'set-ref' && !ctx.sets.has(v.name) && !ctx.maps.has(v.name)) {
    throw new NftIdentifierError(v.name, `@set not in table ${ctx.table}`);
  }
  if (v.kind === 'set') for (const e of v.elements) checkValueRefs(e, ctx);
}
