// No import cycle in src/, type-only and dynamic imports included: a cycle means two modules
// that cannot be understood (or loaded) one after the other. A small walker instead of madge.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Relative imports of a module (static, `import type`, `export … from`, `import()`), as .ts paths. */
function importsOf(file: string, text: string): string[] {
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/gms),
    ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  return specs
    .filter((s) => s.startsWith('.'))
    .map((s) => path.resolve(path.dirname(file), s).replace(/\.js$/, '.ts'));
}

/** The first cycle found, as a list of modules relative to src/ (first = last), or null. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (m: string): string[] | null => {
    if (state.get(m) === 'done') return null;
    if (state.get(m) === 'open') return [...stack.slice(stack.indexOf(m)), m];
    state.set(m, 'open');
    stack.push(m);
    for (const n of graph.get(m) ?? []) {
      const c = visit(n);
      if (c) return c;
    }
    stack.pop();
    state.set(m, 'done');
    return null;
  };
  for (const m of [...graph.keys()].sort()) {
    const c = visit(m);
    if (c) return c;
  }
  return null;
}

describe('import graph of src/', () => {
  it('has no cycle', () => {
    const graph = new Map(
      sourceFiles(SRC).map((f) => [
        path.relative(SRC, f),
        importsOf(f, readFileSync(f, 'utf8'))
          .filter((t) => t.startsWith(SRC) && !t.includes(`${path.sep}generated${path.sep}`))
          .map((t) => path.relative(SRC, t)),
      ]),
    );
    expect(graph.size).toBeGreaterThan(50);
    expect(findCycle(graph)).toBeNull();
  });

  it('finds cycles, type-only and dynamic ones included', () => {
    const f = '/s/a.ts';
    expect(
      importsOf(
        f,
        "import type { X } from './b.js';\nexport { y } from './c.js';\n" +
          "const d = await import('./d.js');\nimport {\n  z,\n} from './e.js';\n",
      ),
    ).toEqual(['/s/b.ts', '/s/c.ts', '/s/e.ts', '/s/d.ts']);
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', []],
    ]);
    expect(findCycle(g)).toEqual(['a', 'b', 'c', 'a']);
    expect(
      findCycle(
        new Map([
          ['a', ['b']],
          ['b', []],
        ]),
      ),
    ).toBeNull();
  });
});
