// What `fwgen` loads at start-up: the modules main.ts reaches by static value imports. A Proxmox
// timer tick must not load the libvirt XML parser, and `check` (editors, hooks) not the generator;
// both are import()ed where needed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

/** Static imports that survive compilation (`import type`, `{ type X }` alone are erased). */
function valueImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(
    /^\s*(?:import|export)\s+(type\s+)?([^'"`;]*?)\s*from\s*['"]([^'"]+)['"]/gm,
  )) {
    const clause = m[2]!.trim();
    const onlyTypes =
      clause.startsWith('{') &&
      clause
        .slice(1, -1)
        .split(',')
        .every((x) => /^\s*(type\s|$)/.test(x));
    if (m[1] === undefined && !onlyTypes) out.push(m[3]!);
  }
  for (const m of text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)) out.push(m[1]!);
  return out;
}

function startupModules(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of valueImports(file)) {
      const target = path.resolve(path.dirname(file), spec);
      // the generated parser (.js) imports nothing of ours
      if (spec.includes('/generated/')) seen.add(target);
      else if (spec.startsWith('.')) visit(target.replace(/\.js$/, '.ts'));
      else seen.add(spec);
    }
  };
  visit(path.join(SRC, entry));
  return seen;
}

describe('start-up modules of the CLI', () => {
  const mods = [...startupModules('cli/main.ts')].map((m) =>
    m.startsWith(SRC) ? path.relative(SRC, m) : m,
  );

  it('include the commands (the walker sees the graph)', () => {
    expect(mods).toContain('cli/check-command.ts');
    expect(mods).toContain('load/load-inventory.ts');
    expect(mods).toContain('commander');
  });

  it('leave out the libvirt XML parser and the generator', () => {
    expect(mods.filter((m) => m === 'fast-xml-parser' || m.startsWith('libvirt/'))).toEqual([]);
    // (generate/names.ts, the one spelling of every name, is small and shared)
    const generator = ['compile.ts', 'generate/generate-ruleset.ts', 'nft/emit-text.ts'];
    expect(mods.filter((m) => generator.includes(m))).toEqual([]);
  });
});
