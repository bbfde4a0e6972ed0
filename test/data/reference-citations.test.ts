// Every citation in the repository must be followable from the repository alone: a
// `docs/reference.md §<anchor>` (or `reference.md#<anchor>` link) names an anchor that exists, and
// nothing cites the out-of-tree notes the code was first written from (SPEC.md, nft-facts).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCANNED = ['src', 'test', 'grammar', 'bench', 'packaging', 'docs', '.ci', 'README.md'];
const SKIP_DIRS = new Set(['node_modules', 'generated']);
const SELF = 'test/data/reference-citations.test.ts';

// Files that still carry old citations until the mechanical rewrite is applied to them (they were
// being edited on other branches). Each entry must still contain one; empty the list afterwards.
const PENDING: string[] = [];

function files(path: string): string[] {
  const full = join(ROOT, path);
  if (!statSync(full, { throwIfNoEntry: false })) return [];
  if (statSync(full).isFile()) return [path];
  return readdirSync(full, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() && SKIP_DIRS.has(e.name) ? [] : files(join(path, e.name)),
  );
}

const texts = SCANNED.flatMap(files)
  .filter((f) => f !== SELF && !/\.(tsv|nft|png)$/.test(f))
  .map((f) => ({ file: relative(ROOT, join(ROOT, f)), text: readFileSync(join(ROOT, f), 'utf8') }));

const reference = readFileSync(join(ROOT, 'docs/reference.md'), 'utf8');
const anchors = new Set([...reference.matchAll(/<a id="([a-z0-9-]+)"><\/a>/g)].map((m) => m[1]));

// `SPEC.md §…`, `SPEC d.4`, `nft-facts …`, `shared/…`, a bare section like `(d.3 …)` or `g.1 #7`.
// `docs/nft-facts.md` is in the repository; a bare `nft-facts` (the out-of-tree notes) is not.
const OLD_CITATION =
  /\bSPEC\b|(?<!docs\/)nft-facts(?!\.md)|shared\/(reference|nft-facts)|\((pve-firewall )?[a-h]\.\d+\b|\bg\.1 #\d/;

describe('citations', () => {
  it('every cited docs/reference.md anchor exists', () => {
    expect(anchors.size).toBeGreaterThan(20);
    const missing: string[] = [];
    for (const { file, text } of texts) {
      // `§a, §b` after one `reference.md` cite several anchors.
      for (const m of text.matchAll(/reference\.md((?:,?\s*(?:\/\/|\*)?\s*§[a-z0-9-]+)+)/g)) {
        for (const a of m[1]!.matchAll(/§([a-z0-9-]+)/g)) {
          if (!anchors.has(a[1]!)) missing.push(`${file}: §${a[1]}`);
        }
      }
      for (const m of text.matchAll(/reference\.md#([a-z0-9-]+)/g)) {
        if (!anchors.has(m[1]!)) missing.push(`${file}: #${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('nothing cites notes outside the repository', () => {
    const offenders = texts
      .filter(({ file }) => file !== 'docs/reference.md')
      .flatMap(({ file, text }) =>
        text
          .split('\n')
          .map((line, i) => ({ line, i }))
          .filter(({ line }) => OLD_CITATION.test(line))
          .map(({ line, i }) => `${file}:${i + 1}: ${line.trim()}`),
      );
    const unexpected = offenders.filter((o) => !PENDING.some((p) => o.startsWith(`${p}:`)));
    expect(unexpected).toEqual([]);
    const done = PENDING.filter((p) => !offenders.some((o) => o.startsWith(`${p}:`)));
    expect(done, 'rewritten: remove from PENDING').toEqual([]);
  });
});
