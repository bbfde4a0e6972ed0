// Test helper: generate + emit, and cut the emitted text into tables and chains.
import {
  generateRuleset,
  type GenerateOptions,
  type GenerateResult,
} from '../../src/generate/generate-ruleset.js';
import type * as nft from '../../src/nft/model.js';
import { emitText } from '../../src/nft/emit-text.js';
import type * as ir from '../../src/resolve/ir.js';

export interface Generated extends GenerateResult {
  text: string;
}

export function gen(config: ir.Config, opts: GenerateOptions = {}): Generated {
  const r = generateRuleset(config, opts);
  return { ...r, text: emitText(r.script) };
}

/** The `table F N { … }` block of the text (without the add/delete lines), or null. */
export function tableText(text: string, family: 'inet' | 'bridge', name = 'fwgen'): string | null {
  const lines = text.split('\n');
  const start = lines.indexOf(`table ${family} ${name} {`);
  if (start < 0) return null;
  const end = lines.indexOf('}', start);
  return lines.slice(start, end + 1).join('\n');
}

/** The rule lines of one chain (base chain header and comment lines removed), trimmed. Lists
 * the generator hoisted into shared sets (`@list_…`, hoist-sets.ts) are shown inline as `{ … }`
 * again, so these tests read as the rules were written; hoist-sets.test.ts covers the hoisting. */
export function chainRules(text: string, family: 'inet' | 'bridge', chain: string): string[] {
  const table = tableText(text, family);
  if (table === null) throw new Error(`no ${family} table`);
  const lines = table.split('\n');
  const start = lines.indexOf(`  chain ${chain} {`);
  if (start < 0) throw new Error(`no chain ${chain} in ${family}`);
  const end = lines.indexOf('  }', start);
  const shared = sharedLists(table);
  return lines
    .slice(start + 1, end)
    .map((l) =>
      l.trim().replace(/@(list_[a-z0-9_]+)/g, (ref, name: string) => shared.get(name) ?? ref),
    )
    .filter((l) => !l.startsWith('type filter hook') && !l.startsWith('comment '));
}

/** `list_*` set name → its elements written as an anonymous set (`{ 22, 80 }`). */
function sharedLists(table: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of table.matchAll(/^ {2}set (list_[a-z0-9_]+) \{\n([\s\S]*?)\n {2}\}$/gm)) {
    const body = m[2] ?? '';
    const one = /elements = \{ (.*) \}/.exec(body);
    const many = /elements = \{\n([\s\S]*?)\n\s*\}/.exec(body);
    const items = one
      ? (one[1] ?? '')
      : (many?.[1] ?? '')
          .split('\n')
          .map((l) => l.trim().replace(/,$/, ''))
          .join(', ');
    out.set(m[1] ?? '', `{ ${items} }`);
  }
  return out;
}

export function chainNames(text: string, family: 'inet' | 'bridge'): string[] {
  const table = tableText(text, family) ?? '';
  return [...table.matchAll(/^ {2}chain (\S+) \{$/gm)].map((m) => m[1] ?? '');
}

export function defineTable(script: nft.Script, family: nft.Family): nft.Table | undefined {
  for (const c of script.commands)
    if (c.kind === 'define-table' && c.table.family === family) return c.table;
  return undefined;
}

/** Index of the first rule line containing `needle` (-1 if none). */
export function indexOf(rules: string[], needle: string): number {
  return rules.findIndex((r) => r.includes(needle));
}
