// Helpers of test/golden.test.ts: run the fwgen CLI in-process on fixture files.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { main, type Io } from '../../src/cli/main.js';
import { nodeReader } from '../../src/load/file-reader.js';
import { REPO } from './split-tables.js';

/** Fixed clock for every golden run (2023-11-14T22:13:20Z): `enable: <timestamp>` stays stable. */
export const NOW = 1_700_000_000;
/** What every compile gets unless a case's `args` says otherwise. */
export const COMPILE_ARGS = ['--node', 'pve1', '--localnet', '192.0.2.0/24'];

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `fwgen <argv>` in-process with the real file system, a fixed clock and host name `pve1`, and
 * no local-network detection (golden runs pass --localnet). Paths are given absolute and printed
 * relative to the repository root, so output is the same from any working directory and equals
 * what `fwgen` prints when run from the root with relative paths.
 */
export async function runFwgen(argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    ...nodeReader,
    readStdin: () => Promise.reject(new Error('golden runs never read standard input')),
    isTTY: false,
    env: {},
    hostname: () => 'pve1',
    detectLocalNetwork: () =>
      Promise.reject(new Error('golden runs pass --localnet; no detection')),
    now: () => NOW,
  };
  const code = await main(argv, io);
  const rel = (s: string) => s.replaceAll(`${REPO}${path.sep}`, '');
  return { code, stdout: rel(stdout), stderr: rel(stderr) };
}

/** Extra CLI arguments from a case's `args` file (whitespace-separated; none when absent). */
export function caseArgs(dir: string): string[] {
  const file = path.join(dir, 'args');
  return existsSync(file) ? readFileSync(file, 'utf8').split(/\s+/).filter(Boolean) : [];
}

/** Files of a directory, recursively, as sorted paths relative to it. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel))) {
      const r = rel === '' ? name : `${rel}/${name}`;
      if (statSync(path.join(dir, r)).isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk('');
  return out.sort();
}

// ---------------------------------------------------------------------------------------------
// error cases: fixtures/errors/<code>/

export const ERRORS_DIR = path.join(REPO, 'fixtures', 'errors');

/** Files of an error case that are not fwgen input. */
const CASE_META = new Set(['expected.txt', 'cmd', 'args', 'README']);

export interface ErrorCase {
  /** the directory name: the diagnostic code the case is about */
  code: string;
  dir: string;
  mode: 'check' | 'compile';
  argv: string[];
}

export function errorCases(): ErrorCase[] {
  if (!existsSync(ERRORS_DIR)) return [];
  return readdirSync(ERRORS_DIR)
    .filter((name) => statSync(path.join(ERRORS_DIR, name)).isDirectory())
    .sort()
    .map((code) => errorCase(code));
}

/**
 * A case is `check` unless its `cmd` file says `compile`.
 * - check: `fwgen check [--root <case>] <every input file> <args>`; --root when the case has
 *   `firewall/cluster.fw` (then guest and host files see that cluster). Output: stdout.
 * - compile: `fwgen compile --root <case> --node pve1 --localnet 192.0.2.0/24 <args>`. Output:
 *   stderr (the diagnostics and the summary line); the ruleset on stdout is not compared.
 */
export function errorCase(code: string): ErrorCase {
  const dir = path.join(ERRORS_DIR, code);
  const cmdFile = path.join(dir, 'cmd');
  const cmd = existsSync(cmdFile) ? readFileSync(cmdFile, 'utf8').trim() : 'check';
  if (cmd !== 'check' && cmd !== 'compile')
    throw new Error(`${dir}/cmd: expected 'check' or 'compile', found '${cmd}'`);
  const args = caseArgs(dir);
  if (cmd === 'compile')
    return { code, dir, mode: cmd, argv: ['compile', '--root', dir, ...COMPILE_ARGS, ...args] };
  const inputs = filesUnder(dir)
    .filter((f) => !CASE_META.has(f))
    .map((f) => path.join(dir, f));
  if (inputs.length === 0) throw new Error(`${dir}: no input file`);
  const root = existsSync(path.join(dir, 'firewall', 'cluster.fw')) ? ['--root', dir] : [];
  return { code, dir, mode: cmd, argv: ['check', ...root, ...inputs, ...args] };
}

/** Run a case; `output` is what expected.txt holds. */
export async function runErrorCase(c: ErrorCase): Promise<Run & { output: string }> {
  const r = await runFwgen(c.argv);
  return { ...r, output: c.mode === 'check' ? r.stdout : r.stderr };
}
