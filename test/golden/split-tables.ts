// Golden trees and nft script splitting, shared by test/golden.test.ts and the kernel-lab suite
// (which runs every expected.nft through `nft -c` on a kernel with bridge reject / bridge ct).
// No vitest import: plain Node, so any runner can use it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/golden/split-tables.ts). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `fixtures/<case>/` directories that hold a `firewall/` tree (absolute paths, sorted by name). */
export function goldenTrees(root: string = REPO): string[] {
  const fixtures = path.join(root, 'fixtures');
  return readdirSync(fixtures)
    .filter((name) => name !== 'errors')
    .map((name) => path.join(fixtures, name))
    .filter((dir) => statSync(dir).isDirectory() && existsSync(path.join(dir, 'firewall')))
    .sort();
}

/** Every golden tree's `expected.nft` (absolute paths; a file may not exist yet before `vitest -u`). */
export function goldenNftFiles(root: string = REPO): string[] {
  return goldenTrees(root).map((dir) => path.join(dir, 'expected.nft'));
}

export type TableFamily = 'ip' | 'ip6' | 'inet' | 'arp' | 'bridge' | 'netdev';

/**
 * Split an nft script (fwgen's `add table …` / `delete table …` / `table … { … }` layout) into its
 * commands per table family, in order. A top-level `table <family> <name> {` block runs to the
 * next `}` in column 0; any other top-level line is one command whose family is the word after
 * `table` (`add table inet fwgen`, `delete table bridge fwgen`, `flush table inet fwgen`). Blank
 * and comment lines go with the command that follows them. Throws on a line it cannot place:
 * the split must never silently drop part of a script.
 */
export function splitTables(script: string): Map<TableFamily, string> {
  const out = new Map<TableFamily, string[]>();
  const lines = script.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let pending: string[] = [];
  const put = (family: TableFamily, chunk: string[]): void => {
    const list = out.get(family) ?? [];
    list.push(...pending, ...chunk);
    out.set(family, list);
    pending = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '' || line.trimStart().startsWith('#')) {
      pending.push(line);
      continue;
    }
    const family = familyOf(line);
    if (family === undefined)
      throw new Error(`splitTables: line ${i + 1} is not a table command: ${line}`);
    if (/^table\s/.test(line) && line.trimEnd().endsWith('{')) {
      let end = i + 1;
      while (end < lines.length && lines[end] !== '}') end++;
      if (end === lines.length)
        throw new Error(`splitTables: the table block at line ${i + 1} is never closed`);
      put(family, lines.slice(i, end + 1));
      i = end;
      continue;
    }
    put(family, [line]);
  }
  const result = new Map<TableFamily, string>();
  for (const [family, list] of out) result.set(family, `${list.join('\n')}\n`);
  return result;
}

function familyOf(line: string): TableFamily | undefined {
  const m =
    /^(?:(?:add|create|delete|destroy|flush|list)\s+)?table\s+(ip6|ip|inet|arp|bridge|netdev)\s/.exec(
      line,
    );
  return m?.[1] as TableFamily | undefined;
}
