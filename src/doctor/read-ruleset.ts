// readRuleset: the JSON of `nft -j list ruleset` → tables, chains and rules, indexed. Keeps the
// raw expressions; what doctor understands of them is in evaluate-chain.ts. Never throws on
// unexpected shapes: what it does not know it skips.

export interface NftRuleJson {
  family: string;
  table: string;
  chain: string;
  handle: number;
  expr: unknown[];
  comment?: string;
}

export interface NftChainJson {
  family: string;
  table: string;
  name: string;
  handle: number;
  type?: string;
  hook?: string;
  prio?: number;
  policy?: string;
  rules: NftRuleJson[];
}

export interface NftTableJson {
  family: string;
  name: string;
  chains: Map<string, NftChainJson>;
}

export interface Ruleset {
  tables: NftTableJson[];
  table(family: string, name: string): NftTableJson | undefined;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readRuleset(doc: unknown): Ruleset {
  const items = isObj(doc) && Array.isArray(doc.nftables) ? (doc.nftables as unknown[]) : [];
  const tables = new Map<string, NftTableJson>();
  const key = (family: string, name: string) => `${family} ${name}`;
  const tableOf = (family: string, name: string): NftTableJson => {
    let t = tables.get(key(family, name));
    if (!t) tables.set(key(family, name), (t = { family, name, chains: new Map() }));
    return t;
  };
  for (const item of items) {
    if (!isObj(item)) continue;
    if (isObj(item.table)) {
      const { family, name } = item.table;
      if (typeof family === 'string' && typeof name === 'string') tableOf(family, name);
    } else if (isObj(item.chain)) {
      const c = item.chain;
      if (typeof c.family !== 'string' || typeof c.table !== 'string' || typeof c.name !== 'string')
        continue;
      const prio = typeof c.prio === 'number' ? c.prio : undefined;
      tableOf(c.family, c.table).chains.set(c.name, {
        family: c.family,
        table: c.table,
        name: c.name,
        handle: typeof c.handle === 'number' ? c.handle : 0,
        type: str(c.type),
        hook: str(c.hook),
        prio,
        policy: str(c.policy),
        rules: [],
      });
    } else if (isObj(item.rule)) {
      const r = item.rule;
      if (
        typeof r.family !== 'string' ||
        typeof r.table !== 'string' ||
        typeof r.chain !== 'string'
      )
        continue;
      const t = tableOf(r.family, r.table);
      let chain = t.chains.get(r.chain);
      if (!chain)
        t.chains.set(
          r.chain,
          (chain = { family: r.family, table: r.table, name: r.chain, handle: 0, rules: [] }),
        );
      chain.rules.push({
        family: r.family,
        table: r.table,
        chain: r.chain,
        handle: typeof r.handle === 'number' ? r.handle : 0,
        expr: Array.isArray(r.expr) ? r.expr : [],
        comment: str(r.comment),
      });
    }
  }
  const list = [...tables.values()];
  return { tables: list, table: (family, name) => tables.get(key(family, name)) };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
