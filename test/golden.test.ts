// Golden tests (STYLE.md "Testing"): every fixtures/<case>/ tree compiles to its expected.nft and
// expected.diagnostics.txt, every fixtures/errors/<code>/ case prints its expected.txt, and every
// code of DIAGNOSTIC_CODES has such a case. `npx vitest run test/golden.test.ts -u` rewrites the
// expected files (missing ones are written without -u, except under CI=true); review the diff.
//
// Conventions (see test/golden/run-fwgen.ts for the details):
// - fwgen runs in-process (main() with a fake Io): real files, clock fixed at NOW, host name pve1,
//   compile always with `--node pve1 --localnet 192.0.2.0/24` plus the case's `args` file.
// - Paths in output are relative to the repository root, as `fwgen` prints them run from there.
// - An error case is `fwgen check` on its input file(s) (stdout compared; --root <case> when it
//   has firewall/cluster.fw), or, with a `cmd` file saying `compile`, `fwgen compile --root <case>`
//   (stderr compared: the diagnostics and the summary). The case must print its own code and no
//   other, and exit 1 exactly when its summary counts errors.
// - A tree's files must pass `fwgen check --root <tree>` without errors (warnings are allowed:
//   a tree may show one on purpose, and compile's warnings are pinned in expected.diagnostics.txt).
// - The inet part of each expected.nft passes `nft -c` in a fresh network namespace; the bridge
//   part needs bridge reject / bridge ct, which this kernel lacks: the kernel-lab suite checks
//   whole files (goldenNftFiles() in test/golden/split-tables.ts).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES } from '../src/diag/codes.js';
import { canNetns, nftCheckText } from './nft/netns.js';
import {
  COMPILE_ARGS,
  caseArgs,
  ERRORS_DIR,
  errorCases,
  filesUnder,
  runErrorCase,
  runFwgen,
  type Run,
} from './golden/run-fwgen.js';
import { goldenTrees, REPO, splitTables } from './golden/split-tables.js';

const rel = (p: string) => path.relative(REPO, p);

/** The summary line `N errors, M warnings` that ends every non-empty diagnostics output. */
function errorCount(output: string): number {
  const m = /(?:^|\n)(\d+) errors?, \d+ warnings?\n$/.exec(output);
  if (!m) throw new Error(`no summary line at the end of:\n${output}`);
  return Number(m[1]);
}

/** Every `[code]` that ends a diagnostic's first line. */
function codesIn(output: string): string[] {
  return [
    ...new Set(
      [...output.matchAll(/^(?:\S+: )?(?:error|warning): .* \[([a-z0-9-]+)\]$/gm)].map(
        (m) => m[1]!,
      ),
    ),
  ].sort();
}

/** The files of a tree `fwgen check` reads: .fw files, guest configs, corosync.conf, SDN files. */
function checkableFiles(dir: string): string[] {
  return filesUnder(dir)
    .filter(
      (f) =>
        /^firewall\/[^/]+\.fw$/.test(f) ||
        /^nodes\/[^/]+\/host\.fw$/.test(f) ||
        /^sdn\/firewall\/[^/]+\.fw$/.test(f) ||
        /^sdn\/(\.running-config|pve-ipam-state\.json)$/.test(f) ||
        /^nodes\/[^/]+\/(qemu-server|lxc)\/\d+\.conf$/.test(f) ||
        f === 'corosync.conf',
    )
    .map((f) => path.join(dir, f));
}

describe('golden trees', () => {
  const trees = goldenTrees();

  it('finds the trees', () => {
    expect(trees.map(rel)).toEqual(
      expect.arrayContaining([
        'fixtures/datacenter',
        'fixtures/minimal',
        'fixtures/disabled',
        'fixtures/host-off',
      ]),
    );
  });

  describe.each(trees.map((dir) => [rel(dir), dir]))('%s', (_name, dir) => {
    let compiled: Run;
    beforeAll(async () => {
      compiled = await runFwgen(['compile', '--root', dir, ...COMPILE_ARGS, ...caseArgs(dir)]);
    });

    it('compiles to expected.nft and expected.diagnostics.txt', async () => {
      await expect(compiled.stdout).toMatchFileSnapshot(path.join(dir, 'expected.nft'));
      await expect(compiled.stderr).toMatchFileSnapshot(path.join(dir, 'expected.diagnostics.txt'));
      expect(compiled.code).toBe(0);
    });

    it('passes fwgen check without errors', async () => {
      const files = checkableFiles(dir);
      expect(files.length).toBeGreaterThan(0);
      const r = await runFwgen(['check', '--root', dir, ...files]);
      expect(r.stderr).toBe('');
      expect(r.stdout.split('\n').filter((l) => / error: /.test(l))).toEqual([]);
      expect(r.code).toBe(0);
    });

    it('splits into inet and bridge parts without losing a line', () => {
      const parts = splitTables(compiled.stdout);
      expect([...parts.keys()].every((f) => f === 'inet' || f === 'bridge')).toBe(true);
      const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '').length;
      expect([...parts.values()].reduce((n, p) => n + lines(p), 0)).toBe(lines(compiled.stdout));
    });

    it.skipIf(!canNetns)('has an inet part that nft -c accepts (fresh network namespace)', () => {
      const inet = splitTables(compiled.stdout).get('inet');
      expect(inet).toBeDefined();
      const r = nftCheckText(inet!);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  });
});

describe('error fixtures', () => {
  const cases = errorCases();

  it.each(cases.map((c) => [c.code, c]))('%s', async (code, c) => {
    const r = await runErrorCase(c);
    await expect(r.output).toMatchFileSnapshot(path.join(c.dir, 'expected.txt'));
    if (c.mode === 'check') expect(r.stderr).toBe('');
    expect(codesIn(r.output)).toEqual([code]);
    expect(r.output).toContain(`[${code}]`);
    expect(r.code).toBe(errorCount(r.output) > 0 ? 1 : 0);
  });

  it('has one fixture per diagnostic code, and none for codes that are gone', () => {
    const codes = new Set<string>(DIAGNOSTIC_CODES);
    const fixtures = new Set(readdirSync(ERRORS_DIR));
    const missing = DIAGNOSTIC_CODES.filter((c) => !fixtures.has(c));
    const stale = [...fixtures].filter((f) => !codes.has(f));
    expect(missing, 'DIAGNOSTIC_CODES without fixtures/errors/<code>/').toEqual([]);
    expect(stale, 'fixtures/errors/<code>/ for codes not in DIAGNOSTIC_CODES').toEqual([]);
  });
});
