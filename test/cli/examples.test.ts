// Every example command shown in `fwgen … --help` and in README.md's ```sh blocks that only reads
// fixtures (`fwgen check` of fixtures/ files, `fwgen compile --root fixtures/…`) runs through
// main() and must exit 0: help and README must not name trees or flags that do not exist.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/main.js';
import { nodeReader } from '../../src/load/file-reader.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const COMMANDS = ['check', 'compile', 'apply', 'diff', 'status', 'stop', 'doctor'];

interface Run {
  code: number;
  out: string;
}

/** main() on the repository's files, paths relative to its root, a fixed clock and host. */
async function fwgen(argv: string[]): Promise<Run> {
  let out = '';
  const io: Io = {
    ...nodeReader,
    readFile: (p) => nodeReader.readFile(path.resolve(REPO, p)),
    glob: (pattern, cwd, only) => nodeReader.glob(pattern, path.resolve(REPO, cwd), only),
    isDirectory: (p) => nodeReader.isDirectory(path.resolve(REPO, p)),
    readStdin: () => Promise.reject(new Error('examples never read standard input')),
    stdout: (s) => void (out += s),
    stderr: (s) => void (out += s),
    isTTY: false,
    env: {},
    hostname: () => 'pve1',
    detectLocalNetwork: async () => [{ family: 4, addr: '192.0.2.0', len: 24 }],
    now: () => 1_700_000_000,
  };
  return { code: await main(argv, io), out };
}

/** `fwgen …` commands in a text: lines or `&&`-joined parts, after `Example:` or `npx` too. */
function commandsIn(text: string): string[][] {
  return text
    .split('\n')
    .flatMap((line) => line.split('&&'))
    .map((part) => part.trim().replace(/^(?:Examples?:\s*|npx\s+)/, ''))
    .filter((part) => /^fwgen \S/.test(part))
    .map((part) => part.split(/\s+/).slice(1));
}

/** Runnable without root or kernel, reading fixtures only; synopses (`[--x]`, `FILE…`) are not. */
function readsOnlyFixtures(argv: string[]): boolean {
  if (argv.some((a) => /[[\]|…]/.test(a))) return false;
  const root = argv[argv.indexOf('--root') + 1];
  if (argv[0] === 'compile')
    return root !== undefined && argv.includes('--root') && root.startsWith('fixtures/');
  if (argv[0] === 'check') {
    const files = argv
      .slice(1)
      .filter((a, i, all) => !a.startsWith('-') && all[i - 1] !== '--root');
    return files.length > 0 && files.every((f) => f.startsWith('fixtures/'));
  }
  return false;
}

async function examples(): Promise<string[][]> {
  const helps = await Promise.all(
    [[], ...COMMANDS.map((c) => [c])].map((c) => fwgen([...c, '--help'])),
  );
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
  return [...helps.map((h) => h.out), ...blocks].flatMap(commandsIn).filter(readsOnlyFixtures);
}

describe('examples in --help and README.md', () => {
  it('finds the examples (compile --help, the README)', async () => {
    const found = (await examples()).map((a) => a.join(' '));
    // compile --help's example, and the README's first line
    expect(
      found.filter(
        (a) => a === 'compile --root fixtures/datacenter --node pve1 --localnet 192.0.2.0/24',
      ),
    ).toHaveLength(2);
    expect(found).toContain(
      'compile --root fixtures/datacenter --node pve1 --localnet 192.0.2.0/24',
    );
    expect(found.filter((a) => a.startsWith('check ')).length).toBeGreaterThan(0);
  });

  it('run and exit 0', async () => {
    const failed: string[] = [];
    for (const argv of await examples()) {
      const r = await fwgen(argv);
      if (r.code !== 0) failed.push(`fwgen ${argv.join(' ')} → exit ${r.code}\n${r.out}`);
    }
    expect(failed).toEqual([]);
  });

  it('would fail on a fixture tree that does not exist, or a bad flag', async () => {
    const [wrong] = commandsIn('Example: fwgen compile --root fixtures/basic --node pve1');
    expect(readsOnlyFixtures(wrong!)).toBe(true);
    expect((await fwgen(wrong!)).code).not.toBe(0);
    expect(
      (await fwgen(['check', '--scope', 'vm', 'fixtures/datacenter/firewall/100.fw'])).code,
    ).toBe(2);
    expect(readsOnlyFixtures(['check', 'FILE…', '[--root', 'DIR]'])).toBe(false);
    expect(readsOnlyFixtures(['apply', '--root', 'fixtures/datacenter'])).toBe(false);
  });
});
