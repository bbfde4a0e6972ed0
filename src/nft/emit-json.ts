// Turns a Script into libnftables JSON (libnftables-json(5), schema version 1) for `nft -j -f`.
// It must mean exactly what emit-text.ts means: the same checks, the same sanitised user text
// (JSON encoding alone would be safe, but lengths and characters must match the text output),
// the same implicit-operator semantics ("in" where text writes nothing on a bitmask type) and
// explicit limit bursts. Must not: emit commands for tables the script does not name, or flush.
//
// nft 1.0.6 JSON input silently IGNORES `comment` on tables, chains and sets (rule comments
// work) and has no `auto-merge`: an auto-merge set whose elements overlap loads from text but
// fails from JSON with "conflicting intervals specified". Both are still emitted (harmless,
// honoured by later versions); the generator should hand over non-overlapping elements.
import type {
  Chain,
  Command,
  CtHelper,
  Expr,
  LimitStmt,
  MapElement,
  NamedMap,
  NamedSet,
  RejectWith,
  Rule,
  Script,
  Stmt,
  Table,
  TableRef,
  Value,
  Verdict,
} from './model.js';
import {
  checkField,
  checkLogLevel,
  checkNum,
  checkScript,
  checkSym,
  checkWord,
  implicitIsBitTest,
} from './check-script.js';
import {
  assertIdentifier,
  COMMENT_MAX_BYTES,
  ifnameContent,
  LOG_PREFIX_MAX_BYTES,
  NftIdentifierError,
  sanitizeText,
} from './quote.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface NftJson {
  nftables: Json[];
}

/** The JSON document for `nft -j -f`. Throws like emitText. */
export function emitJson(script: Script): NftJson {
  checkScript(script);
  const out: Json[] = [{ metainfo: { json_schema_version: 1 } }];
  // One item at a time: a define-table of 1,000 guests has more items than a spread's arguments
  // may be (RangeError: Maximum call stack size exceeded).
  for (const cmd of script.commands) for (const item of commandJson(cmd)) out.push(item);
  const doc = { nftables: out };
  assertJsonScope(doc, script);
  return doc;
}

function comment(text: string | undefined): { comment?: string } {
  return text === undefined ? {} : { comment: sanitizeText(text, COMMENT_MAX_BYTES) };
}

function tableRef(t: TableRef): { family: string; name: string } {
  return { family: t.family, name: assertIdentifier(t.name) };
}

function commandJson(cmd: Command): Json[] {
  switch (cmd.kind) {
    case 'add-table':
      return [{ add: { table: tableRef(cmd.table) } }];
    case 'delete-table':
      return [{ delete: { table: tableRef(cmd.table) } }];
    case 'define-table':
      return tableJson(cmd.table);
    case 'add-chain':
      return [{ add: { chain: chainJson(atOf(cmd.table), cmd.chain) } }];
    case 'flush-chain':
    case 'delete-chain': {
      const chain = { ...atOf(cmd.table), name: assertIdentifier(cmd.chain) };
      return [cmd.kind === 'flush-chain' ? { flush: { chain } } : { delete: { chain } }];
    }
    case 'add-rule':
      return [{ add: { rule: ruleJson(atOf(cmd.table), cmd.chain, cmd.rule) } }];
    case 'add-set':
      return [{ add: { set: setJson(atOf(cmd.table), cmd.set) } }];
    case 'add-map':
      return [{ add: { map: mapJson(atOf(cmd.table), cmd.map) } }];
    case 'delete-set':
    case 'delete-map':
    case 'flush-set':
    case 'flush-map': {
      const [verb = '', what = ''] = cmd.kind.split('-');
      return [{ [verb]: { [what]: { ...atOf(cmd.table), name: assertIdentifier(cmd.name) } } }];
    }
    case 'add-element':
    case 'delete-element':
      return elementJson(
        cmd.kind === 'add-element',
        cmd.table,
        cmd.set,
        cmd.elements.map(valueJson),
      );
    case 'add-map-element':
      return elementJson(true, cmd.table, cmd.map, cmd.elements.map(mapElementJson));
    case 'delete-map-element':
      return elementJson(false, cmd.table, cmd.map, cmd.keys.map(valueJson));
  }
}

/** `add`/`delete element`; nothing for an empty list, as in the text emitter. */
function elementJson(add: boolean, table: TableRef, name: string, elem: Json[]): Json[] {
  if (elem.length === 0) return [];
  const element = { ...atOf(table), name: assertIdentifier(name), elem };
  return [add ? { add: { element } } : { delete: { element } }];
}

function atOf(t: TableRef): At {
  return { family: t.family, table: assertIdentifier(t.name) };
}

function mapElementJson(e: MapElement): Json {
  return [valueJson(e.key), verdictJson(e.verdict)];
}

function tableJson(table: Table): Json[] {
  const at = { family: table.family, table: assertIdentifier(table.name) };
  const out: Json[] = [{ add: { table: { ...tableRef(table), ...comment(table.comment) } } }];
  // Chains before maps: a map element `goto c` needs chain c to exist already. In text, the
  // `table {}` block is ordered by nft itself.
  for (const c of table.chains) out.push({ add: { chain: chainJson(at, c) } });
  for (const h of table.ctHelpers ?? []) out.push({ add: { 'ct helper': ctHelperJson(at, h) } });
  for (const s of table.sets) out.push({ add: { set: setJson(at, s) } });
  for (const m of table.maps) out.push({ add: { map: mapJson(at, m) } });
  for (const c of table.chains) {
    for (const r of c.rules) out.push({ add: { rule: ruleJson(at, c.name, r) } });
  }
  return out;
}

type At = { family: string; table: string };

function chainJson(at: At, chain: Chain): { [key: string]: Json } {
  const base = chain.base
    ? {
        type: chain.base.type,
        hook: chain.base.hook,
        prio: chain.base.priority,
        ...(chain.base.device !== undefined ? { dev: ifnameContent(chain.base.device) } : {}),
        policy: chain.base.policy,
      }
    : {};
  return { ...at, name: assertIdentifier(chain.name), ...comment(chain.comment), ...base };
}

function keyType(type: NamedSet['type']): Json {
  return Array.isArray(type) ? type.map(checkWord) : checkWord(type);
}

function ctHelperJson(at: At, h: CtHelper): { [key: string]: Json } {
  return {
    ...at,
    name: assertIdentifier(h.name),
    type: checkWord(h.type),
    protocol: h.protocol,
    l3proto: h.l3proto,
  };
}

function setJson(at: At, set: NamedSet): { [key: string]: Json } {
  const flags = [...(set.interval ? ['interval'] : []), ...(set.dynamic ? ['timeout'] : [])];
  return {
    ...at,
    name: assertIdentifier(set.name),
    type: keyType(set.type),
    // nft 1.0.6 JSON refuses the flag `dynamic` ("Invalid set flag") and sets it itself for a
    // set that an `update` statement names, so only `timeout` is written.
    ...(flags.length > 0 ? { flags } : {}),
    ...(set.dynamic ? { timeout: checkNum(set.dynamic.timeout) } : {}),
    ...(set.dynamic?.size !== undefined ? { size: checkNum(set.dynamic.size) } : {}),
    ...(set.autoMerge ? { 'auto-merge': true } : {}),
    ...comment(set.comment),
    ...(set.elements.length > 0 ? { elem: set.elements.map(valueJson) } : {}),
  };
}

function mapJson(at: At, map: NamedMap): { [key: string]: Json } {
  return {
    ...at,
    name: assertIdentifier(map.name),
    type: keyType(map.type),
    map: 'verdict',
    ...(map.interval ? { flags: ['interval'] } : {}),
    ...comment(map.comment),
    ...(map.elements.length > 0 ? { elem: map.elements.map(mapElementJson) } : {}),
  };
}

function ruleJson(at: At, chain: string, rule: Rule): { [key: string]: Json } {
  return {
    ...at,
    chain: assertIdentifier(chain),
    expr: rule.stmts.map(stmtJson),
    ...comment(rule.comment),
  };
}

function stmtJson(stmt: Stmt): Json {
  switch (stmt.kind) {
    case 'match': {
      const op = stmt.op === '!=' ? '!=' : implicitIsBitTest(stmt.left, stmt.right) ? 'in' : '==';
      return { match: { op, left: exprJson(stmt.left), right: valueJson(stmt.right) } };
    }
    case 'verdict':
      return verdictJson(stmt.verdict);
    case 'vmap':
      return { vmap: { key: exprJson(stmt.key), data: `@${assertIdentifier(stmt.map)}` } };
    case 'counter':
      // `{"counter": {}}` is refused by 1.0.6 ("Malformed object"); null is an anonymous counter.
      return { counter: null };
    case 'limit':
      return limitJson(stmt);
    case 'log': {
      const log: { [key: string]: Json } = {};
      if (stmt.prefix !== undefined)
        log.prefix = sanitizeText(stmt.prefix, LOG_PREFIX_MAX_BYTES, { dollar: true });
      if (stmt.group !== undefined) log.group = checkNum(stmt.group);
      if (stmt.level !== undefined) log.level = checkLogLevel(stmt.level);
      return { log };
    }
    case 'reject':
      return { reject: stmt.with ? rejectJson(stmt.with) : null };
    case 'ct-mark-set':
      return { mangle: { key: { ct: { key: 'mark' } }, value: checkNum(stmt.value) } };
    case 'meta-mark-set':
      return {
        mangle: {
          key: { meta: { key: 'mark' } },
          value: stmt.or
            ? { '|': [{ meta: { key: 'mark' } }, checkNum(stmt.value)] }
            : stmt.and
              ? { '&': [{ meta: { key: 'mark' } }, checkNum(stmt.value)] }
              : checkNum(stmt.value),
        },
      };
    case 'queue': {
      const flags = [...(stmt.fanout ? ['fanout'] : []), ...(stmt.bypass ? ['bypass'] : [])];
      return {
        queue: {
          num:
            stmt.from === stmt.to
              ? checkNum(stmt.from)
              : { range: [checkNum(stmt.from), checkNum(stmt.to)] },
          ...(flags.length > 0 ? { flags } : {}),
        },
      };
    }
    case 'set-update':
      return {
        set: {
          op: 'update',
          elem: exprJson(stmt.key),
          set: `@${assertIdentifier(stmt.set)}`,
          ...(stmt.limit ? { stmt: [limitJson(stmt.limit)] } : {}),
        },
      };
    case 'ct-helper-set':
      return { 'ct helper': assertIdentifier(stmt.helper) };
  }
}

function limitJson(stmt: LimitStmt): Json {
  return {
    limit: {
      rate: checkNum(stmt.rate),
      per: stmt.per,
      burst: checkNum(stmt.burst ?? 5),
      ...(stmt.over ? { inv: true } : {}),
    },
  };
}

function rejectJson(w: RejectWith): Json {
  return w.kind === 'tcp-reset' ? { type: 'tcp reset' } : { type: w.kind, expr: checkWord(w.code) };
}

function verdictJson(v: Verdict): Json {
  return v.kind === 'jump' || v.kind === 'goto'
    ? { [v.kind]: { target: assertIdentifier(v.chain) } }
    : { [v.kind]: null };
}

function exprJson(e: Expr): Json {
  switch (e.kind) {
    case 'payload':
      return { payload: { protocol: e.proto, field: checkField(e.field) } };
    case 'meta':
      return { meta: { key: e.key } };
    case 'ct':
      return { ct: { key: e.key } };
    case 'fib':
      if (e.flags.length === 0) throw new NftIdentifierError('fib', 'needs at least one flag');
      return { fib: { result: e.result, flags: [...e.flags] } };
    case 'and':
      return { '&': [exprJson(e.expr), valueJson(e.mask)] };
    case 'concat':
      if (e.exprs.length < 2) throw new NftIdentifierError('concat', 'needs at least two parts');
      return { concat: e.exprs.map(exprJson) };
  }
}

function valueJson(v: Value): Json {
  switch (v.kind) {
    case 'str':
      // Same `\*` convention as text: "tap\\*" in JSON is a literal star, "tap*" a wildcard.
      return ifnameContent(v.value, { wildcard: v.wildcard === true });
    case 'num':
      return checkNum(v.value);
    case 'sym':
      // Cannot start with '@' (set reference) or contain '\' (wildcard escape): see checkSym.
      return checkSym(v.value);
    case 'prefix':
      if (!Number.isInteger(v.len) || v.len < 0 || v.len > 128)
        throw new NftIdentifierError(String(v.len), 'bad prefix length');
      return { prefix: { addr: checkSym(v.addr), len: v.len } };
    case 'range':
      return { range: [valueJson(v.from), valueJson(v.to)] };
    case 'set':
      if (v.elements.length === 0)
        throw new NftIdentifierError('{}', 'an anonymous set needs elements');
      return { set: v.elements.map(valueJson) };
    case 'set-ref':
      return `@${assertIdentifier(v.name)}`;
    case 'flags': {
      // nft lists both `established,related` and `fin | syn` as a JSON array (an OR of bits).
      if (v.values.length === 0) throw new NftIdentifierError('flags', 'needs at least one flag');
      const words = v.values.map(checkWord);
      return words.length === 1 ? (words[0] ?? '') : words;
    }
    case 'concat':
      if (v.values.length < 2) throw new NftIdentifierError('concat', 'needs at least two parts');
      return { concat: v.values.map(valueJson) };
  }
}

/** The guard: only add/delete commands (and `flush chain`), only on tables the script names. */
export function assertJsonScope(doc: NftJson, script: Script): void {
  const tables = new Set(script.commands.map((c) => `${c.table.family} ${c.table.name}`));
  const fail = (why: string): never => {
    throw new NftIdentifierError('script', `emitted JSON failed the scope guard: ${why}`);
  };
  for (const [i, item] of doc.nftables.entries()) {
    if (item === null || typeof item !== 'object' || Array.isArray(item))
      fail(`item ${i} is not an object`);
    const obj = item as { [key: string]: Json };
    const keys = Object.keys(obj);
    if (i === 0 && keys.length === 1 && keys[0] === 'metainfo') continue;
    const verb = keys[0];
    if (keys.length !== 1 || (verb !== 'add' && verb !== 'delete' && verb !== 'flush'))
      fail(`command ${JSON.stringify(keys)}`);
    const body = obj[verb ?? ''] as { [key: string]: { [key: string]: Json } };
    const [kind] = Object.keys(body);
    const target = body[kind ?? ''] ?? {};
    const table = kind === 'table' ? target.name : target.table;
    if (!tables.has(`${String(target.family)} ${String(table)}`))
      fail(`${verb} ${kind} on table ${String(target.family)} ${String(table)}`);
    // Deletes and the one flush of incremental updates name a single object of a named table.
    if (verb === 'delete' && !['table', 'chain', 'set', 'map', 'element'].includes(kind ?? ''))
      fail(`delete ${kind}`);
    if (verb === 'flush' && !['chain', 'set', 'map'].includes(kind ?? '')) fail(`flush ${kind}`);
  }
}
